"""The `messenger` channel: a Facebook page's webhook in, the Graph Send API out."""

from __future__ import annotations

import logging
from typing import Any

import httpx
from django.conf import settings

from agents.errors import ApplicationError
from handoffs import services as handoff_services
from handoffs.models import Delivery, Message
from handoffs.outbound import Outcome
from handoffs.services import Received

from . import graph, services
from .base import message_to_send
from .models import MessengerSettings

logger = logging.getLogger(__name__)

CHANNEL = "messenger"
# The Send API refuses longer texts; a long agent message goes out in parts.
MAX_SEND_TEXT = 2000
MAX_QUICK_REPLY_TITLE = 20


# --- inbound ------------------------------------------------------------------------------


def receive_webhook(*, page: MessengerSettings, data: Any) -> list[Received]:
    """Store each message, attachment, quick reply and postback of a (signed) webhook body."""
    if not isinstance(data, dict) or data.get("object") != "page":
        raise ApplicationError("Expected a page subscription event.", code="invalid_event")
    received = []
    for entry in data.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        if str(entry.get("id")) != page.page_id:
            logger.warning("messenger event for page %s reached bot %s", entry.get("id"), page.bot)
            continue
        for event in entry.get("messaging") or []:
            incoming = parse_event(event)
            if incoming is None:
                continue
            try:
                received.append(services.inbound_receive(bot=page.bot, channel=CHANNEL, **incoming))
            except ApplicationError as error:
                # Answering an error would make Facebook resend the batch for hours; skip it.
                logger.warning("messenger event skipped: %s", error.message)
    return received


def parse_event(event: Any) -> dict[str, Any] | None:
    """A messaging event as inbound_receive's arguments; None for what is not a user message
    (our own echoes, deliveries, reads)."""
    if not isinstance(event, dict) or not isinstance(event.get("sender"), dict):
        return None
    user_id = str(event["sender"].get("id") or "")
    message, postback = event.get("message"), event.get("postback")
    if isinstance(message, dict) and message.get("mid") and not message.get("is_echo"):
        return {
            "user_id": user_id,
            "text": message.get("text") or "",
            "payload": _message_payload(message),
            "external_id": message["mid"],
        }
    if isinstance(postback, dict):
        return {
            "user_id": user_id,
            "text": postback.get("title") or "",
            "payload": {"type": "postback", "value": postback.get("payload")},
            # Older API versions give postbacks no mid; the timestamp identifies a resend.
            "external_id": postback.get("mid") or f"postback-{user_id}-{event.get('timestamp')}",
        }
    return None


def _message_payload(message: dict[str, Any]) -> dict[str, Any] | None:
    quick_reply = message.get("quick_reply")
    if isinstance(quick_reply, dict):
        return {"type": "quick_reply", "value": quick_reply.get("payload")}
    attachments = [a for a in message.get("attachments") or [] if isinstance(a, dict)]
    if attachments:
        return {
            "type": attachments[0].get("type") or "file",
            "attachments": [
                {"type": a.get("type"), "url": (a.get("payload") or {}).get("url")}
                for a in attachments
            ],
        }
    return None


# --- outbound -----------------------------------------------------------------------------


def send(delivery: Delivery, client: httpx.Client) -> Outcome:
    """The delivery engine's sender: a bot, agent or system message through the Send API.

    A long message goes in parts; a retry sends every part again (at least once)."""
    message = message_to_send(delivery)
    if message is None:
        return Outcome(ok=True)
    page = MessengerSettings.objects.filter(bot=message.conversation.bot).first()
    if page is None:
        return Outcome(ok=False, final=True, error="No Messenger page is connected to this bot.")
    bodies = send_api_bodies(message)
    if not bodies:
        return Outcome(
            ok=False, final=True, error="Nothing in this message that Messenger can show."
        )
    outcome = graph.post_each(
        client,
        url=f"{settings.MESSENGER_GRAPH_API_URL.rstrip('/')}/{page.page_id}/messages",
        token=page.page_access_token,
        delivery=delivery,
        bodies=bodies,
        service="Graph API",
    )
    if outcome.ok:
        handoff_services.message_mark_delivery(message_id=message.pk, ok=True)
    return outcome


def on_dead(delivery: Delivery) -> None:
    """Given up: the message shows as failed, with the reason."""
    handoff_services.message_mark_delivery(
        message_id=delivery.payload.get("messageId"), ok=False, error=delivery.last_error
    )


def send_api_bodies(message: Message) -> list[dict[str, Any]]:
    """The Send API requests for one message: long texts in parts, quick replies on the last."""
    recipient = {"id": message.conversation.end_user.external_id}
    payload = message.payload or {}
    contents: list[dict[str, Any]] = [
        {"text": message.text[start : start + MAX_SEND_TEXT]}
        for start in range(0, len(message.text), MAX_SEND_TEXT)
    ]
    url = payload.get("url")
    if payload.get("type") in ("image", "video", "audio", "file") and url:
        contents.append(
            {"attachment": {"type": payload["type"], "payload": {"url": url, "is_reusable": True}}}
        )
    choices = payload.get("choices") if payload.get("type") == "quick_reply" else None
    if choices and contents:
        contents[-1]["quick_replies"] = [
            {
                "content_type": "text",
                "title": str(choice.get("title", ""))[:MAX_QUICK_REPLY_TITLE],
                "payload": str(choice.get("value", choice.get("title", ""))),
            }
            for choice in choices
            if isinstance(choice, dict)
        ]
    return [
        {"recipient": recipient, "messaging_type": "RESPONSE", "message": content}
        for content in contents
    ]
