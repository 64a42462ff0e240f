"""The bot connector: a user's message goes to the bot unless agents have the conversation, and
the bot hears when a handoff ends (the exit event), so that its flow goes on.

The bot is the bot's `bot_webhook_url` (a signed JSON POST; it answers through the REST API)
or, when no URL is set and the bot's connector enables it, the built-in demo bot.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

from django.db import IntegrityError, transaction

from handoffs.models import Bot, Event, Handoff, Message
from handoffs.representations import MessageRepresentation, wire
from handoffs.services import Received

from . import delivery, demo_bot
from .models import ConnectorSettings, ExitNotice

logger = logging.getLogger(__name__)

# DESIGN.md's exit types, as Botpress's HITL skill names them.
EXIT_TYPES = {
    "resolved": "handoffResolved",
    "expired": "timedOutWaitingAgent",
    "rejected": "noAgent",
}
NO_AGENT = "noAgent"


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


# Users the connector speaks for; on the `api` channel the bot platform itself sent the message.
USER_CHANNELS = frozenset({"web", "messenger"})
SIGNATURE_HEADER = "X-Hitl-Signature"


def sign(*, secret: str, body: bytes) -> str:
    """The X-Hitl-Signature value: HMAC-SHA256 of the exact body bytes."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def demo_bot_enabled(*, bot: Bot) -> bool:
    return ConnectorSettings.objects.filter(bot=bot, demo_bot_enabled=True).exists()


def forward(*, received: Received) -> None:
    """Hand a newly stored user message to the bot; never when paused, whatever its type."""
    if not received.created or received.routed_to != "bot":
        return
    message = received.message
    conversation = message.conversation
    if conversation.channel not in USER_CHANNELS:
        return
    bot = conversation.bot
    if bot.bot_webhook_url:
        _post_later(bot=bot, kind="message", body=message_body(message))
    elif demo_bot_enabled(bot=bot):
        demo_bot.on_user_message(message=message)


def on_event(event: Event) -> None:
    """Listener on the committed event stream: a closed handoff becomes the bot's exit event."""
    if event.resource != "handoff" or event.payload.get("status") not in EXIT_TYPES:
        return
    handoff = (
        Handoff.objects.select_related("bot", "conversation__end_user", "conversation__bot")
        .filter(pk=event.payload.get("id"))
        .first()
    )
    if handoff is None:
        return
    bot = handoff.bot
    conversation = handoff.conversation
    connector = ConnectorSettings.objects.filter(bot=bot).first()
    exit_type = exit_type_of(
        event, semantics=connector.exit_events if connector else ConnectorSettings.ExitEvents.HITL
    )
    if exit_type is None:
        return
    use_demo = (
        not bot.bot_webhook_url
        and conversation.channel in USER_CHANNELS
        and connector is not None
        and connector.demo_bot_enabled
    )
    if not (bot.bot_webhook_url or use_demo) or not _first_exit(handoff, exit_type):
        return
    agent = event.payload.get("agent") or {}
    agent_name = agent.get("name") or None
    if use_demo:
        demo_bot.on_exit(conversation=conversation, exit_type=exit_type, agent_name=agent_name)
    else:
        _post_later(bot=bot, kind="exit", body=exit_body(handoff, exit_type, agent_name))


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


def _post_later(*, bot: Bot, kind: str, body: dict[str, Any]) -> None:
    # Serialized now: the signature covers exactly the bytes that will be sent.
    raw = json.dumps(body, separators=(",", ":")).encode()
    headers = {"X-Hitl-Event": kind, "User-Agent": "hitl-bot-connector"}
    if bot.bot_webhook_secret:
        headers[SIGNATURE_HEADER] = sign(secret=bot.bot_webhook_secret, body=raw)
    delivery.submit(_post, url=bot.bot_webhook_url, body=raw, headers=headers)


def _post(*, url: str, body: bytes, headers: dict[str, str]) -> None:
    try:
        delivery.post_json(url=url, body=body, headers=headers, service="The bot webhook")
    except delivery.DeliveryError as error:
        # No message row to mark: the user's message is stored and agents can still see it.
        logger.warning("bot webhook %s failed: %s", url, error)
