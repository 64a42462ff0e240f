"""The bot connector: a user's message goes to the bot unless agents have the conversation, and
the bot hears when a handoff ends (the exit event), so that its flow goes on.

The bot is the bot's `bot_webhook_url` (a signed JSON POST; it answers through the REST API)
or, when no URL is set and the bot's connector enables it, the built-in demo bot. What goes to a
URL is a delivery written in the transaction of the message or of the handoff's end, and sent by
the delivery workers (docs/delivery.md), so a restart during a bot outage loses nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

import httpx
from django.db import IntegrityError, transaction

from handoffs import outbound, outgoing
from handoffs.models import Bot, Delivery, Event, Handoff, Message
from handoffs.outbound import Outcome
from handoffs.representations import MessageRepresentation, wire
from handoffs.services import Received
from handoffs.services.delivery_engine import delivery_record

from . import demo_bot
from .models import ConnectorSettings, ExitNotice

logger = logging.getLogger(__name__)

# DESIGN.md's exit types, as Botpress's HITL skill names them.
EXIT_TYPES = {
    "resolved": "handoffResolved",
    "expired": "timedOutWaitingAgent",
    "rejected": "noAgent",
}
NO_AGENT = "noAgent"
OUTSIDE_BUSINESS_HOURS = "outsideBusinessHours"


def exit_type_of(event: Event, *, semantics: str) -> str | None:
    """The exit type a closed handoff's event means to the bot, or None if still open.

    Botpress resolves a rejected handoff (modules/hitlnext/src/backend/api.ts, reject calls
    resolveHandoff: `handoffResolved`) and says `noAgent` only where its check_agents action
    found nobody online: here, a handoff refused at once for that (`requireAgent`), which is
    created rejected.
    """
    status = event.payload.get("status")
    if semantics == ConnectorSettings.ExitEvents.BOTPRESS and status == "rejected":
        return NO_AGENT if event.type == "handoff.created" else EXIT_TYPES["resolved"]
    return EXIT_TYPES.get(status)


# Users the connector speaks for beside those of the channels we push to (speaks_for); on the
# `api` channel the bot platform itself sent the message.
USER_CHANNELS = frozenset({"web"})
SIGNATURE_HEADER = "X-Hitl-Signature"


def sign(*, secret: str, body: bytes) -> str:
    """The X-Hitl-Signature value: HMAC-SHA256 of the exact body bytes."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def speaks_for(channel: str) -> bool:
    """Whether the connector speaks for this channel's users: the web chat's, and those of every
    channel we push messages to ourselves (Messenger, WhatsApp, Telegram)."""
    return channel in USER_CHANNELS or outbound.pushes_to(channel)


def demo_bot_enabled(*, bot: Bot) -> bool:
    return ConnectorSettings.objects.filter(bot=bot, demo_bot_enabled=True).exists()


def forwards_to_url(*, bot: Bot, channel: str) -> bool:
    """Whether a user's message on this channel may become a delivery to the bot's URL."""
    return bool(bot.bot_webhook_url) and speaks_for(channel)


def forward(*, received: Received) -> None:
    """Hand a newly stored user message to the bot; never when paused, whatever its type.

    For a bot URL, called in the message's transaction: the delivery commits with it."""
    if not received.created or received.routed_to != "bot":
        return
    message = received.message
    conversation = message.conversation
    if not speaks_for(conversation.channel):
        return
    bot = conversation.bot
    if bot.bot_webhook_url:
        _record(bot=bot, kind="message", body=message_body(message))
    elif demo_bot_enabled(bot=bot):
        demo_bot.on_user_message(message=message)


def derive_exit(event: Event, bot: Bot | None) -> None:
    """In the event's transaction: a closed handoff of a bot with a URL becomes a delivery of
    its exit event."""
    if bot is None or not bot.bot_webhook_url or not _closes_handoff(event):
        return
    found = _exit_of(event)
    if found is None:
        return
    handoff, exit_type, agent_name = found
    if _first_exit(handoff, exit_type):
        _record(bot=bot, kind="exit", body=exit_body(handoff, exit_type, agent_name))


def on_event(event: Event) -> None:
    """Listener on the committed event stream: the demo bot hears that a handoff ended (no
    network: it answers in the conversation)."""
    if not _closes_handoff(event):
        return
    found = _exit_of(event)
    if found is None:
        return
    handoff, exit_type, agent_name = found
    conversation = handoff.conversation
    use_demo = (
        not handoff.bot.bot_webhook_url
        and speaks_for(conversation.channel)
        and demo_bot_enabled(bot=handoff.bot)
    )
    if use_demo and _first_exit(handoff, exit_type):
        demo_bot.on_exit(conversation=conversation, exit_type=exit_type, agent_name=agent_name)


def _closes_handoff(event: Event) -> bool:
    return event.resource == "handoff" and event.payload.get("status") in EXIT_TYPES


def _exit_of(event: Event) -> tuple[Handoff, str, str | None] | None:
    handoff = (
        Handoff.objects.select_related("bot", "conversation__end_user", "conversation__bot")
        .filter(pk=event.payload.get("id"))
        .first()
    )
    if handoff is None:
        return None
    connector = ConnectorSettings.objects.filter(bot=handoff.bot).first()
    exit_type = exit_type_of(
        event, semantics=connector.exit_events if connector else ConnectorSettings.ExitEvents.HITL
    )
    if exit_type is None:
        return None
    if handoff.close_reason == Handoff.OUTSIDE_HOURS:
        # Refused at the request outside business hours (issue 23), whatever the semantics.
        exit_type = OUTSIDE_BUSINESS_HOURS
    agent = event.payload.get("agent") or {}
    return handoff, exit_type, agent.get("name") or None


def message_body(message: Message) -> dict[str, Any]:
    conversation = message.conversation
    return {
        "type": "message",
        **_conversation_fields(conversation),
        "user": conversation.end_user.variables,
        "message": wire(MessageRepresentation(message)),
    }


def exit_body(handoff: Handoff, exit_type: str, agent_name: str | None) -> dict[str, Any]:
    return {
        "type": "exit",
        "exitType": exit_type,
        **_conversation_fields(handoff.conversation),
        "handoffId": handoff.pk,
        "agentName": agent_name,
    }


def _conversation_fields(conversation: Any) -> dict[str, Any]:
    return {
        "botId": conversation.bot.bot_id,
        "channel": conversation.channel,
        "userId": conversation.end_user.external_id,
        "threadId": conversation.thread_id,
        "conversationId": conversation.pk,
    }


def _first_exit(handoff: Handoff, exit_type: str) -> bool:
    try:
        with transaction.atomic():
            ExitNotice.objects.create(handoff=handoff, exit_type=exit_type)
    except IntegrityError:
        return False
    return True


def _record(*, bot: Bot, kind: str, body: dict[str, Any]) -> None:
    delivery_record(
        kind=Delivery.Kind.BOT,
        destination_key=f"bot:{bot.pk}",
        workspace_id=bot.workspace_id,
        payload={"bot": bot.pk, "event": kind, "body": body},
    )


def send(delivery: Delivery, client: httpx.Client) -> Outcome:
    """The delivery engine's sender: POST the body, signed with the bot's secret."""
    bot = Bot.objects.filter(pk=delivery.payload.get("bot")).first()
    if bot is None or not bot.bot_webhook_url:
        return Outcome(ok=False, final=True, error="The bot has no webhook URL any more.")
    raw = json.dumps(delivery.payload["body"], separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "hitl-bot-connector",
        "X-Hitl-Event": delivery.payload.get("event", "message"),
        "X-Hitl-Delivery": str(delivery.delivery_id),
    }
    if bot.bot_webhook_secret:
        headers[SIGNATURE_HEADER] = sign(secret=bot.bot_webhook_secret, body=raw)
    try:
        response = client.post(bot.bot_webhook_url, content=raw, headers=headers)
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        return unreachable(error, service="The bot webhook")
    return http_outcome(response, service="The bot webhook")


def unreachable(error: Exception, *, service: str) -> Outcome:
    """A request that got no answer. What the tenant reads names no address nor port
    (handoffs/outgoing.py); the server's log has the details."""
    if not isinstance(error, outgoing.AddressNotAllowed):  # logged where it was refused
        logger.warning("%s: %s: %s", service, type(error).__name__, error)
    return Outcome(
        ok=False, final=outgoing.never_retried(error), error=outgoing.public_reason(error)
    )


def http_outcome(response: httpx.Response, *, service: str) -> Outcome:
    """2xx delivered; timeouts, 429 and 5xx retried; any other refusal is final."""
    code = response.status_code
    if response.is_success:
        return Outcome(ok=True, status_code=code, response=response.text[:1000])
    if code in (408, 429) or code >= 500:
        error = f"{service} answered {code}."
    else:
        error = f"{service} refused the message ({code}): {reason_of(response)}"
    return Outcome(
        ok=False,
        status_code=code,
        response=response.text[:1000],
        error=error,
        final=code not in (408, 429) and code < 500,
    )


def reason_of(response: httpx.Response) -> str:
    try:
        # The Graph API explains itself in {"error": {"message": ...}}.
        return str(response.json()["error"]["message"])[:300]
    except (ValueError, KeyError, TypeError):
        return response.text[:300]
