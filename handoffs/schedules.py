"""Business hours: whether a bot's agents are there now, and when they are next.

A bot without a weekly schedule is always open, as every bot was before schedules existed.
Times are read in the bot's zone, so a shift keeps its local hours across daylight saving.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from .models import Bot, BusinessHours, Holiday

# How far ahead the next opening is looked for: a schedule with a year of holidays ahead.
LOOKAHEAD_DAYS = 370


@dataclass(frozen=True)
class Schedule:
    zone: ZoneInfo
    # weekday -> [(opens, closes)], sorted
    hours: dict[int, list[tuple[time, time]]]
    holidays: frozenset[date]

    @property
    def always_open(self) -> bool:
        return not self.hours


def schedule_of(*, bot: Bot) -> Schedule:
    hours: dict[int, list[tuple[time, time]]] = {}
    for row in BusinessHours.objects.filter(bot=bot).order_by("weekday", "opens"):
        hours.setdefault(row.weekday, []).append((row.opens, row.closes))
    holidays: frozenset[date] = frozenset()
    if hours:
        holidays = frozenset(Holiday.objects.filter(bot=bot).values_list("date", flat=True))
    return Schedule(zone=ZoneInfo(bot.business_hours_timezone), hours=hours, holidays=holidays)


def _open_at(schedule: Schedule, local: datetime) -> bool:
    if local.date() in schedule.holidays:
        return False
    now = local.time()
    return any(opens <= now < closes for opens, closes in schedule.hours.get(local.weekday(), []))


def _next_opening(schedule: Schedule, local: datetime) -> datetime | None:
    for offset in range(LOOKAHEAD_DAYS):
        day = local.date() + timedelta(days=offset)
        if day in schedule.holidays:
            continue
        for opens, _closes in schedule.hours.get(day.weekday(), []):
            candidate = datetime.combine(day, opens, tzinfo=schedule.zone)
            if candidate > local:
                return candidate
    return None


@dataclass(frozen=True)
class Opening:
    open: bool
    # None when open now, or when the schedule never opens again.
    next_opening: datetime | None


def bot_opening(*, bot: Bot, at: datetime | None = None) -> Opening:
    """Open now, or closed and when it opens next (in UTC)."""
    schedule = schedule_of(bot=bot)
    if schedule.always_open:
        return Opening(open=True, next_opening=None)
    local = (at or timezone.now()).astimezone(schedule.zone)
    if _open_at(schedule, local):
        return Opening(open=True, next_opening=None)
    upcoming = _next_opening(schedule, local)
    return Opening(open=False, next_opening=upcoming.astimezone(UTC) if upcoming else None)
