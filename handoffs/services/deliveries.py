"""Outbound delivery of messages to channels we push to (Messenger): its outcome, and the
messages that a crashed process left `pending`.

A message is written `pending` with its `message.created` event (messages._store); the
channel's sender takes it (`message_delivery_begin`), posts it and records the outcome
(`message_mark_delivery`), which `message.updated` shows to the workspace and the webhooks.

Each hand-out of a message to a sender is one value of `delivery_attempted_at`: NULL for the
first, after commit; the sweep's stamp for a later one. A sender takes the message only if that
value is still there, so a job that waited in a slow queue while the sweep handed the message
out again finds it gone and sends nothing. Delivery is at least once all the same: a process
that dies between the channel's answer and recording it leaves the message to be sent again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import outbound
from ..models import Message
from ..representations import MessageRepresentation
from .events import event_emit

# Per sweep pass: a backlog after a long outage drains over a few passes, not in one burst.
STALE_BATCH = 200
GIVE_UP_ERROR = "No outcome within {hours:g} hours of being written; not sent again."


def message_delivery_begin(*, message_id: int, handed_at: datetime | None) -> Message | None:
    """The sender takes the message it was handed at `handed_at` (None: the first hand-out),
    stamped so the sweep leaves it alone for OUTBOUND_STALE_SECONDS; None when it has its
    outcome already or was handed out again since."""
    taken = Message.objects.filter(
        pk=message_id, delivery_status=Message.Delivery.PENDING, delivery_attempted_at=handed_at
    ).update(delivery_attempted_at=timezone.now())
    if not taken:
        return None
    return (
        Message.objects.select_related("conversation__end_user", "conversation__bot")
        .filter(pk=message_id)
        .first()
    )


def message_mark_delivery(*, message_id: int, ok: bool, error: str = "") -> bool:
    """Record how the channel took the message; False when nothing changed.

    Sent is final: a late failure of an attempt that the sweep repeated successfully does
    not undo it. A failure is recorded only over `pending`.
    """
    if ok:
        status, error, before = (
            Message.Delivery.SENT,
            "",
            [Message.Delivery.PENDING, Message.Delivery.FAILED],
        )
    else:
        status, error, before = Message.Delivery.FAILED, error[:500], [Message.Delivery.PENDING]
    with transaction.atomic():
        changed = Message.objects.filter(pk=message_id, delivery_status__in=before).update(
            delivery_status=status, delivery_error=error
        )
        if not changed:
            return False
        message = Message.objects.select_related("conversation__bot", "author").get(pk=message_id)
        event_emit(
            bot=message.conversation.bot,
            type="message.updated",
            resource="message",
            payload=MessageRepresentation(message).data,
            conversation_id=message.conversation_id,
        )
    return True


def message_deliveries_resume(*, now: datetime | None = None) -> tuple[int, int]:
    """The sweep's pass: hand out again what is pending since OUTBOUND_STALE_SECONDS (its
    process died, or its job waited that long in a queue), and give up on what is pending since
    OUTBOUND_GIVE_UP_SECONDS. Returns (handed out again, given up)."""
    now = now or timezone.now()
    given_up = _give_up(now - timedelta(seconds=settings.OUTBOUND_GIVE_UP_SECONDS))
    stale = _claim_stale(now, now - timedelta(seconds=settings.OUTBOUND_STALE_SECONDS))
    for message_id, channel in stale:
        outbound.send(channel=channel, message_id=message_id, handed_at=now)
    return len(stale), given_up


def _claim_stale(now: datetime, before: datetime) -> list[tuple[int, str]]:
    # Stamped before they are handed out: a second sweeper skips them, and an older job still
    # queued for one of them no longer matches its stamp.
    never_taken = Q(delivery_attempted_at__isnull=True, created_at__lt=before)
    with transaction.atomic():
        rows = list(
            Message.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(never_taken | Q(delivery_attempted_at__lt=before))
            .filter(delivery_status=Message.Delivery.PENDING)
            .order_by("id")
            .values_list("id", "conversation__channel")[:STALE_BATCH]
        )
        Message.objects.filter(pk__in=[row[0] for row in rows]).update(delivery_attempted_at=now)
    return rows


def _give_up(written_before: datetime) -> int:
    hours = settings.OUTBOUND_GIVE_UP_SECONDS / 3600
    ids = list(
        Message.objects.filter(
            delivery_status=Message.Delivery.PENDING, created_at__lt=written_before
        ).values_list("id", flat=True)[:STALE_BATCH]
    )
    marked = [
        message_mark_delivery(message_id=pk, ok=False, error=GIVE_UP_ERROR.format(hours=hours))
        for pk in ids
    ]
    return sum(marked)
