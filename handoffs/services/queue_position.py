"""Queue position for the user: "You are number 3 in line", on request and as the line moves.

At scale (a queue of 50,000) nobody recomputes every place on every change: a request counts
the handoffs ahead of its own (one range of the queue index), and the sweep's pass reads only
the first QUEUE_POSITION_WINDOW places of each bot's queue, in one index range, and tells those
whose place improved by the bot's step, at most once per the bot's interval. Users further back
hear their place when they ask and again once they come within the window.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from agents.errors import Unprocessable

from ..models import Bot, Handoff, QueueNotice
from ..selectors import handoff_queue_positions
from .messages import message_send_system
from .texts import localized, render

S = Handoff.Status
# Recent pace of the queue: how many handoffs agents took in this window.
PACE_WINDOW = timedelta(hours=1)
# Handoffs that waited longer than this are not "recent" waiting times.
RECENT_WAITS = timedelta(hours=24)
UNKNOWN_WAIT = "?"


def _queue(bot: Bot) -> QuerySet[Handoff]:
    # The queue's order everywhere (selectors.handoff_queue_positions): priority, then age.
    return Handoff.objects.filter(bot=bot, status=S.PENDING).order_by(
        "queue_rank", "created_at", "id"
    )


def handoff_position(*, handoff: Handoff) -> int:
    """1 for the next handoff to be taken: the handoff's own `queuePosition`."""
    # Read again: queue_rank is computed by the database, and the handoff may have moved.
    current = Handoff.objects.get(pk=handoff.pk)
    handoff_queue_positions(bot=handoff.bot, handoffs=[current])
    return getattr(current, "queue_ahead", 0) + 1


class Pace:
    """The queue's recent pace, read once per bot and pass: agents took `taken` handoffs in
    the last hour; `mean_wait` is the mean of the day's waiting times (seconds), or None."""

    def __init__(self, taken: int, mean_wait: float | None) -> None:
        self.taken = taken
        self.mean_wait = mean_wait

    def wait_for(self, position: int) -> str:
        """Minutes until a user at `position` is taken: each place is worth 60/k minutes; with
        nothing taken in the hour, the day's mean wait; with no data at all, "?"."""
        if self.taken:
            minutes = position * PACE_WINDOW.total_seconds() / 60 / self.taken
            return str(max(1, math.ceil(minutes)))
        if self.mean_wait is None:
            return UNKNOWN_WAIT
        return str(max(1, math.ceil(self.mean_wait / 60)))


def queue_pace(*, bot: Bot, now: datetime | None = None) -> Pace:
    now = now or timezone.now()
    # Bounded by creation time, so the handoff_created_idx range serves both reads.
    recent = Handoff.objects.filter(
        bot=bot, created_at__gte=now - RECENT_WAITS, assigned_at__isnull=False
    )
    taken = recent.filter(assigned_at__gte=now - PACE_WINDOW).count()
    if taken:
        return Pace(taken, None)
    pairs = recent.order_by("-id").values_list("created_at", "assigned_at")[:100]
    waits = [(a - c).total_seconds() for c, a in pairs if a is not None]
    return Pace(0, sum(waits) / len(waits) if waits else None)


def _send(handoff: Handoff, position: int, wait: str) -> None:
    bot = handoff.bot
    conversation = handoff.conversation
    text = localized(messages=bot.queue_position_message, bot=bot, end_user=conversation.end_user)
    message_send_system(
        conversation=conversation,
        text=render(text, position=str(position), estimatedWait=wait),
        payload={"type": "text", "queuePosition": position},
    )


def _record(handoff: Handoff, position: int, now: datetime) -> None:
    QueueNotice.objects.update_or_create(
        handoff_id=handoff.pk, defaults={"position": position, "told_at": now}
    )


def tell_on_request(*, handoff: Handoff) -> None:
    """In handoff_request's transaction: the new user's first place, if the bot tells it."""
    bot = handoff.bot
    if not bot.queue_position_updates:
        return
    handoff.refresh_from_db(fields=["status"])
    if handoff.status != S.PENDING:  # auto-assigned at once: no line to wait in
        return
    now = timezone.now()
    position = handoff_position(handoff=handoff)
    _send(handoff, position, queue_pace(bot=bot, now=now).wait_for(position))
    _record(handoff, position, now)


class PositionAnswer:
    def __init__(self, position: int, estimated_wait: str, sent: bool) -> None:
        self.position = position
        self.estimated_wait = estimated_wait
        self.sent = sent


@transaction.atomic
def handoff_tell_position(*, handoff: Handoff) -> PositionAnswer:
    """The user asked (through the bot): their place; also sent to them when the bot tells
    positions, unless they were told within the bot's interval."""
    if handoff.status != S.PENDING:
        raise Unprocessable(
            f"This handoff is {handoff.status}: it has no place in the queue.",
            code="handoff_not_pending",
            extra={"status": handoff.status},
        )
    now = timezone.now()
    bot = handoff.bot
    position = handoff_position(handoff=handoff)
    wait = queue_pace(bot=bot, now=now).wait_for(position)
    notice = QueueNotice.objects.select_for_update().filter(handoff_id=handoff.pk).first()
    recently = notice is not None and notice.told_at > now - bot.queue_position_interval
    if recently or not bot.queue_position_updates:
        return PositionAnswer(position, wait, sent=False)
    _send(handoff, position, wait)
    _record(handoff, position, now)
    return PositionAnswer(position, wait, sent=True)


def queue_positions_announce(*, now: datetime | None = None) -> int:
    """The sweep's pass: tell the first users of each queue whose place moved by the step."""
    now = now or timezone.now()
    window = settings.HITL["QUEUE_POSITION_WINDOW"]
    told = 0
    for bot in Bot.objects.filter(queue_position_updates=True):
        ids = list(_queue(bot).values_list("id", flat=True)[:window])
        if not ids:
            continue
        notices = {n.handoff_id: n for n in QueueNotice.objects.filter(handoff_id__in=ids)}
        due: dict[int, int] = {}
        for index, handoff_id in enumerate(ids):
            position = index + 1
            notice = notices.get(handoff_id)
            if notice is None or (
                notice.position - position >= bot.queue_position_step
                and notice.told_at <= now - bot.queue_position_interval
            ):
                due[handoff_id] = position
        if not due:
            continue
        pace = queue_pace(bot=bot, now=now)
        handoffs = Handoff.objects.filter(pk__in=due).select_related(
            "bot", "conversation__end_user"
        )
        for handoff in handoffs:
            position = due[handoff.pk]
            if _claim(handoff, notices.get(handoff.pk), position, pace.wait_for(position), now):
                told += 1
    return told


def _claim(
    handoff: Handoff, notice: QueueNotice | None, position: int, wait: str, now: datetime
) -> bool:
    """Conditional write of the notice, then the message, in one transaction: of two sweeps
    at once, one tells the user."""
    try:
        with transaction.atomic():
            if notice is None:
                QueueNotice.objects.create(handoff_id=handoff.pk, position=position, told_at=now)
            else:
                claimed = QueueNotice.objects.filter(
                    handoff_id=handoff.pk, position=notice.position, told_at=notice.told_at
                ).update(position=position, told_at=now)
                if not claimed:
                    return False
            if not Handoff.objects.filter(pk=handoff.pk, status=S.PENDING).exists():
                transaction.set_rollback(True)
                return False
            _send(handoff, position, wait)
    except IntegrityError:
        return False
    return True
