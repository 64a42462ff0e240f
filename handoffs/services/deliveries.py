"""Outbound delivery of messages to channels we push to (Messenger): a delivery written with
the message, and the outcome shown on the message.

A message is written `pending` with its `message.created` event (messages._store); that event
derives a delivery of the channel's kind (`message_delivery_derive`, in the same transaction),
which the delivery workers send (delivery_engine). The channel's sender records the outcome
(`message_mark_delivery`), which `message.updated` shows to the workspace and the webhooks; a
delivery given up marks the message failed.
"""

from __future__ import annotations

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
