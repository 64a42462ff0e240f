"""A handoff's SLA state, derived from its own timestamps and its bot's targets: no query, so
every row of a list and every event carries it (services/sla.py announces breaches)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone

from .models import Bot, Handoff, SlaBreach

T = SlaBreach.Target
# The wire names of the targets, camelCase like the rest of the API.
TARGET_NAMES: dict[str, str] = {T.FIRST_RESPONSE: "firstResponse", T.RESOLUTION: "resolution"}
RANKS = {"ok": 0, "near": 1, "breached": 2}


def has_targets(bot: Bot) -> bool:
    return bot.sla_first_response is not None or bot.sla_resolution is not None


@dataclass(frozen=True)
class Clock:
    target: str
    near_at: datetime
    due_at: datetime

    def state(self, now: datetime) -> str:
        if now >= self.due_at:
            return "breached"
        return "near" if now >= self.near_at else "ok"


def _clocks(handoff: Handoff) -> list[Clock]:
    """The targets still running for an open handoff."""
    bot = handoff.bot
    if not handoff.is_open or handoff.created_at is None:
        return []
    running: list[tuple[str, timedelta]] = []
    if bot.sla_first_response is not None and handoff.first_response_at is None:
        running.append((T.FIRST_RESPONSE, bot.sla_first_response))
    if bot.sla_resolution is not None:
        running.append((T.RESOLUTION, bot.sla_resolution))
    return [
        Clock(
            target=target,
            near_at=handoff.created_at + limit * bot.sla_warning_percent / 100,
            due_at=handoff.created_at + limit,
        )
        for target, limit in running
    ]


def handoff_sla(handoff: Handoff, now: datetime | None = None) -> dict[str, Any] | None:
    """The most pressing running target, for the queue's marker; None when none runs."""
    now = now or timezone.now()
    clocks = _clocks(handoff)
    if not clocks:
        return None
    clock = max(clocks, key=lambda c: (RANKS[c.state(now)], -c.due_at.timestamp()))
    return {
        "state": clock.state(now),
        "target": TARGET_NAMES[clock.target],
        "near_at": _wire_time(clock.near_at),
        "due_at": _wire_time(clock.due_at),
    }


def _wire_time(moment: datetime) -> str:
    # As DRF writes datetimes, so the marker's times read like the handoff's own.
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
