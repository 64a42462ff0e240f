"""Handoff reports: volumes per day, waiting and handling times, per agent and per label.

Times are in seconds. The median is the usual one (mean of the two middle values for an even
count); p90 is the nearest-rank percentile: the ceil(0.9 * n)-th smallest value.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from agents.errors import ApplicationError
from agents.selectors import agent_display_name

from .models import Bot, Handoff

MAX_DAYS = 366


def report_range(params: Any) -> tuple[date, date]:
    """`from` and `to` (YYYY-MM-DD, UTC, inclusive) from query parameters; default: a week."""
    try:
        end = date.fromisoformat(params["to"]) if params.get("to") else timezone.now().date()
        start = (
            date.fromisoformat(params["from"]) if params.get("from") else end - timedelta(days=6)
        )
    except ValueError as error:
        raise ApplicationError(
            "Dates are YYYY-MM-DD.", code="invalid_date", extra={"errors": {"date": [str(error)]}}
        ) from error
    if start > end:
        raise ApplicationError("`from` must not be after `to`.", code="invalid_range")
    if (end - start).days >= MAX_DAYS:
        raise ApplicationError(f"At most {MAX_DAYS} days at once.", code="invalid_range")
    return start, end


def p90(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _times(handoffs: list[Handoff]) -> dict[str, Any]:
    waiting = [(h.assigned_at - h.created_at).total_seconds() for h in handoffs if h.assigned_at]
    handling = [
        (h.resolved_at - h.assigned_at).total_seconds()
        for h in handoffs
        if h.assigned_at and h.resolved_at and h.status == Handoff.Status.RESOLVED
    ]
    return {
        "handoffs": len(handoffs),
        "resolved": sum(1 for h in handoffs if h.status == Handoff.Status.RESOLVED),
        "waiting_median": median(waiting),
        "waiting_p90": p90(waiting),
        "handling_median": median(handling),
        "handling_p90": p90(handling),
    }


def handoff_report(*, bot: Bot, start: date, end: date) -> dict[str, Any]:
    """Handoffs created from `start` to `end` inclusive (UTC days)."""
    since = datetime.combine(start, time.min, tzinfo=UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    handoffs = list(
        Handoff.objects.filter(bot=bot, created_at__gte=since, created_at__lt=until)
        .select_related("agent__agent_profile")
        .prefetch_related("labels")
        .order_by("created_at")
    )
    days: dict[date, dict[str, int]] = {}
    day = start
    while day <= end:
        days[day] = {"created": 0, "resolved": 0, "expired": 0, "rejected": 0}
        day += timedelta(days=1)
    by_agent: dict[int, list[Handoff]] = defaultdict(list)
    by_label: dict[str, list[Handoff]] = defaultdict(list)
    agents: dict[int, Any] = {}
    for handoff in handoffs:
        row = days[handoff.created_at.astimezone(UTC).date()]
        row["created"] += 1
        if handoff.status in row:
            row[handoff.status] += 1
        if handoff.agent_id:
            by_agent[handoff.agent_id].append(handoff)
            agents[handoff.agent_id] = handoff.agent
        for label in handoff.labels.all():
            by_label[label.name].append(handoff)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "totals": _times(handoffs),
        "days": [{"date": d.isoformat(), **counts} for d, counts in days.items()],
        "agents": [
            {"agent_id": pk, "name": agent_display_name(agents[pk]), **_times(items)}
            for pk, items in sorted(by_agent.items())
        ],
        "labels": [{"label": name, **_times(items)} for name, items in sorted(by_label.items())],
    }


def report_csv(report: dict[str, Any]) -> str:
    """One flat table: a row per day, then per agent, then per label."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "section",
            "key",
            "created_or_handoffs",
            "resolved",
            "expired",
            "rejected",
            "waiting_median_s",
            "waiting_p90_s",
            "handling_median_s",
            "handling_p90_s",
        ]
    )
    for day in report["days"]:
        writer.writerow(
            [
                "day",
                day["date"],
                day["created"],
                day["resolved"],
                day["expired"],
                day["rejected"],
                "",
                "",
                "",
                "",
            ]
        )
    for section, key in (("agent", "name"), ("label", "label")):
        for row in report[f"{section}s"]:
            writer.writerow(
                [
                    section,
                    row[key],
                    row["handoffs"],
                    row["resolved"],
                    "",
                    "",
                    row["waiting_median"],
                    row["waiting_p90"],
                    row["handling_median"],
                    row["handling_p90"],
                ]
            )
    return out.getvalue()
