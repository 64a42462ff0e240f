"""Handoff reports: volumes per day, waiting, handling and first-response times, per agent and
per label, and handoffs per hour of the week.

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

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    When,
)
from django.db.models.functions import Extract, ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils import timezone
from django.utils.translation import gettext

from agents.errors import ApplicationError
from agents.selectors import agent_display_name

from .models import Bot, Handoff, SlaBreach

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
            gettext("Dates are YYYY-MM-DD."),
            code="invalid_date",
            extra={"errors": {"date": [str(error)]}},
        ) from error
    if start > end:
        raise ApplicationError(gettext("`from` must not be after `to`."), code="invalid_range")
    if (end - start).days >= MAX_DAYS:
        raise ApplicationError(
            gettext("At most %(days)d days at once.") % {"days": MAX_DAYS}, code="invalid_range"
        )
    return start, end


def p90(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


TIMES = (
    "waiting_median",
    "waiting_p90",
    "handling_median",
    "handling_p90",
    "first_response_median",
    "first_response_p90",
)


class Percentile(Aggregate):
    """PostgreSQL's ordered-set aggregates: percentile_cont(0.5) is the usual median,
    percentile_disc(0.9) the nearest-rank p90."""

    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, *, discrete: bool) -> None:
        function = "percentile_disc" if discrete else "percentile_cont"
        super().__init__(expression, function=function, fraction=fraction)


def _seconds(later: str, earlier: str) -> Any:
    return Extract(ExpressionWrapper(F(later) - F(earlier), output_field=DurationField()), "epoch")


# Created -> assigned for every handoff assigned; assigned -> resolved for the resolved ones.
WAITING = _seconds("assigned_at", "created_at")
HANDLING = Case(
    When(
        status=Handoff.Status.RESOLVED,
        resolved_at__isnull=False,
        then=_seconds("resolved_at", "assigned_at"),
    ),
    default=None,
    output_field=FloatField(),
)
# Created -> the first agent message while the handoff was open: what the user waited for a
# human answer (Handoff.first_response_at).
FIRST_RESPONSE = _seconds("first_response_at", "created_at")
COUNTS = {
    "handoffs": Count("id"),
    "resolved": Count("id", filter=Q(status=Handoff.Status.RESOLVED)),
    # Satisfaction (services/csat.py): the mean of the 1-5 ratings given, and how many.
    "csat_average": Avg("csat_score"),
    "csat_count": Count("csat_score"),
}
CSAT = ("csat_average", "csat_count")


def _stats(handoffs: QuerySet[Handoff], group: str | None) -> dict[Any, dict[str, Any]]:
    """Counts and times per value of `group` (None: one row for all), computed by the
    database: PostgreSQL's percentiles; on SQLite, the embedded default with small data, the
    times are computed here from a few columns per handoff."""
    handoffs = handoffs.order_by()
    if connection.vendor == "postgresql":
        aggregates = {
            **COUNTS,
            "waiting_median": Percentile(WAITING, 0.5, discrete=False),
            "waiting_p90": Percentile(WAITING, 0.9, discrete=True),
            "handling_median": Percentile(HANDLING, 0.5, discrete=False),
            "handling_p90": Percentile(HANDLING, 0.9, discrete=True),
            "first_response_median": Percentile(FIRST_RESPONSE, 0.5, discrete=False),
            "first_response_p90": Percentile(FIRST_RESPONSE, 0.9, discrete=True),
        }
        if group is None:
            return {None: handoffs.aggregate(**aggregates)}
        rows = handoffs.values(group).annotate(**aggregates)
        return {row.pop(group): row for row in rows}
    if group is None:
        stats = {None: handoffs.aggregate(**COUNTS)}
    else:
        stats = {row.pop(group): row for row in handoffs.values(group).annotate(**COUNTS)}
    times: dict[Any, tuple[list[float], list[float], list[float]]] = defaultdict(
        lambda: ([], [], [])
    )
    columns = ("assigned_at", "created_at", "resolved_at", "status", "first_response_at")
    for key, assigned, created, resolved, status, first_response in handoffs.values_list(
        group or "bot_id", *columns
    ):
        waiting, handling, responses = times[key if group else None]
        if first_response:
            responses.append((first_response - created).total_seconds())
        if assigned:
            waiting.append((assigned - created).total_seconds())
            if resolved and status == Handoff.Status.RESOLVED:
                handling.append((resolved - assigned).total_seconds())
    for key, row in stats.items():
        waiting, handling, responses = times[key]
        row.update(
            waiting_median=median(waiting),
            waiting_p90=p90(waiting),
            handling_median=median(handling),
            handling_p90=p90(handling),
            first_response_median=median(responses),
            first_response_p90=p90(responses),
        )
    return stats


def handoff_report(*, bot: Bot, start: date, end: date) -> dict[str, Any]:
    """Handoffs created from `start` to `end` inclusive (UTC days), aggregated by the database:
    the cost grows with the days, agents and labels shown, not with the handoffs counted."""
    since = datetime.combine(start, time.min, tzinfo=UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    handoffs = Handoff.objects.filter(bot=bot, created_at__gte=since, created_at__lt=until)
    days: dict[date, dict[str, int]] = {}
    day = start
    while day <= end:
        days[day] = {"created": 0, "resolved": 0, "expired": 0, "rejected": 0}
        day += timedelta(days=1)
    per_day = (
        handoffs.order_by()
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day")
        .annotate(
            created=Count("id"),
            **{
                status: Count("id", filter=Q(status=status))
                for status in ("resolved", "expired", "rejected")
            },
        )
    )
    columns = ("created", "resolved", "expired", "rejected")
    for day, *counts in per_day.values_list("day", *columns):
        days[day] = dict(zip(columns, counts, strict=True))
    by_agent = _stats(handoffs.filter(agent__isnull=False), "agent_id")
    agents = User.objects.select_related("agent_profile").in_bulk(list(by_agent))
    by_label = _stats(handoffs.filter(labels__isnull=False), "labels__name")
    # ISO weekday 1 (Monday) to 7 and hour 0-23, UTC: the heatmap's cells, zeros included.
    hours = [[0] * 24 for _ in range(7)]
    per_hour = (
        handoffs.order_by()
        .annotate(
            weekday=ExtractIsoWeekDay("created_at", tzinfo=UTC),
            hour=ExtractHour("created_at", tzinfo=UTC),
        )
        .values("weekday", "hour")
        .annotate(count=Count("id"))
    )
    for weekday, hour, count in per_hour.values_list("weekday", "hour", "count"):
        hours[weekday - 1][hour] = count
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "totals": _stats(handoffs, None)[None],
        "days": [{"date": d.isoformat(), **counts} for d, counts in days.items()],
        "agents": [
            {"agent_id": pk, "name": agent_display_name(agents[pk]), **by_agent[pk]}
            for pk in sorted(by_agent)
        ],
        "labels": [{"label": name, **by_label[name]} for name in sorted(by_label)],
        "hours": hours,
        "sla_breaches": _sla_breaches(handoffs),
    }


def _sla_breaches(handoffs: QuerySet[Handoff]) -> dict[str, int]:
    """Breaches of the handoffs reported, per target, in one aggregate."""
    T = SlaBreach.Target
    breached = SlaBreach.objects.filter(stage=SlaBreach.Stage.BREACHED)
    return breached.filter(handoff__in=handoffs.order_by().values("id")).aggregate(
        first_response=Count("id", filter=Q(target=T.FIRST_RESPONSE)),
        resolution=Count("id", filter=Q(target=T.RESOLUTION)),
    )


# A spreadsheet runs a cell starting with one of these as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A text cell a spreadsheet would take for a formula, quoted; numbers as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def report_csv(report: dict[str, Any]) -> str:
    """One flat table: the totals, a row per day, per agent, per label, the SLA breaches per
    target, then the handoffs created per hour of the week (key "Mon 09", UTC). Names and labels
    are written by agents and bots: no cell may be a formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    blank_times = [""] * len(TIMES)

    def write(row: list[Any]) -> None:
        writer.writerow([csv_cell(value) for value in row])

    def times(row: dict[str, Any]) -> list[Any]:
        return [row.get(name) for name in TIMES]

    write(
        [
            "section",
            "key",
            "created_or_handoffs",
            "resolved",
            "expired",
            "rejected",
            *CSAT,
            *(f"{name}_s" for name in TIMES),
        ]
    )
    blank_csat = [""] * len(CSAT)

    def csat(row: dict[str, Any]) -> list[Any]:
        average = row.get("csat_average")
        return [round(average, 2) if average is not None else "", row.get("csat_count", 0)]

    if "totals" in report:
        totals = report["totals"]
        write(
            ["total", "", totals["handoffs"], totals["resolved"], "", ""]
            + [*csat(totals), *times(totals)]
        )
    for day in report["days"]:
        counts = [day["created"], day["resolved"], day["expired"], day["rejected"]]
        write(["day", day["date"], *counts, *blank_csat, *blank_times])
    for section, key in (("agent", "name"), ("label", "label")):
        for row in report[f"{section}s"]:
            write(
                [section, row[key], row["handoffs"], row["resolved"], "", ""]
                + [*csat(row), *times(row)]
            )
    for target, count in report.get("sla_breaches", {}).items():
        write(["sla_breaches", target, count, "", "", "", *blank_csat, *blank_times])
    for weekday, counts in zip(WEEKDAYS, report.get("hours", []), strict=False):
        for hour, count in enumerate(counts):
            write(["hour", f"{weekday} {hour:02d}", count, "", "", "", *blank_csat, *blank_times])
    return out.getvalue()
