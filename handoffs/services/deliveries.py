"""Outbound delivery of messages to channels we push to (Messenger): a delivery written with
the message, and the outcome shown on the message.

A message is written `pending` with its `message.created` event (messages._store); that event
derives a delivery of the channel's kind (`message_delivery_derive`, in the same transaction),
which the delivery workers send (delivery_engine). The channel's sender records the outcome
(`message_mark_delivery`), which `message.updated` shows to the workspace and the webhooks; a
delivery given up marks the message failed.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from .. import outbound
from ..models import Bot, Event, Message
from ..representations import MessageRepresentation
from .delivery_engine import delivery_record
from .events import event_emit


def message_delivery_derive(event: Event, bot: Bot | None) -> None:
    """In the event's transaction: a message marked `pending` becomes its channel's delivery,
    one destination per bot (its page)."""
    if event.type != "message.created" or bot is None:
        return
    payload = event.payload
    channel = payload.get("channel", "")
    if payload.get("deliveryStatus") != "pending" or not outbound.pushes_to(channel):
        return
    delivery_record(
        kind=channel,
        destination_key=f"{channel}:{bot.pk}",
        workspace_id=event.workspace_id,
        event=event,
        payload={"messageId": payload["id"]},
    )


def message_mark_delivery(*, message_id: int, ok: bool, error: str = "") -> bool:
    """Record how the channel took the message; False when nothing changed.

    Sent is final: a late failure does not undo it. A failure is recorded only over `pending`.
    """
    if ok:
        status, error, before = (
            Message.Delivery.SENT,
            "",
            [Message.Delivery.PENDING, Message.Delivery.FAILED],
        )
    else:
        status, error, before = Message.Delivery.FAILED, error[:500], [Message.Delivery.PENDING]
    return _mark(message_id=message_id, status=status, error=error, before=before)


# What a channel reports after it took the message (WhatsApp's statuses): only forward.
_REPORTED_OVER: dict[str, list[str]] = {
    Message.Delivery.SENT: [Message.Delivery.PENDING, Message.Delivery.FAILED],
    Message.Delivery.DELIVERED: [
        Message.Delivery.PENDING,
        Message.Delivery.FAILED,
        Message.Delivery.SENT,
    ],
    Message.Delivery.READ: [
        Message.Delivery.PENDING,
        Message.Delivery.FAILED,
        Message.Delivery.SENT,
        Message.Delivery.DELIVERED,
    ],
    Message.Delivery.FAILED: [Message.Delivery.PENDING],
}


def message_mark_reported(*, message_id: int, status: str, error: str = "") -> bool:
    """A status the channel reported later (sent, delivered, read, failed), shown live; an
    older report arriving after a newer one changes nothing. False when nothing changed."""
    before = _REPORTED_OVER.get(status)
    if before is None:
        return False
    error = error[:500] if status == Message.Delivery.FAILED else ""
    return _mark(message_id=message_id, status=status, error=error, before=before)


def _mark(*, message_id: int, status: str, error: str, before: Sequence[str]) -> bool:
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
