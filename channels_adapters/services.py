"""Rules every adapter shares: the way in for a user's message, and the web chat's identities."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core import signing
from django.db import transaction

from agents import limits
from agents.errors import ApplicationError, Forbidden, NotFound
from handoffs import selectors as handoff_selectors
from handoffs import services as handoff_services
from handoffs.models import Bot, Conversation, Message
from handoffs.representations import MessageRepresentation, wire
from handoffs.services import Received, content

from . import bot_connector
from .models import MessengerSettings, WhatsAppSettings

logger = logging.getLogger(__name__)

WEB = "web"
CLIENT_MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8}){0,3}")
HISTORY_LIMIT = 100


def inbound_receive(
    *,
    bot: Bot,
    channel: str,
    user_id: str,
    text: str = "",
    payload: dict[str, Any] | None = None,
    external_id: str | None = None,
    variables: dict[str, Any] | None = None,
) -> Received:
    """Every adapter's way in: store the user's message once, then the bot hears it unless the
    conversation is paused (then only the agents do, whatever the message's type).

    `variables` (what the channel says about the user, e.g. `fullName`) merge into the profile."""
    content.check_payload(payload)
    if external_id and len(external_id) > 200:
        # Channel ids have no length promise; a digest keeps replays idempotent all the same.
        external_id = "sha256:" + hashlib.sha256(external_id.encode()).hexdigest()
    ingest = partial(
        handoff_services.message_ingest,
        bot=bot,
        channel=channel,
        user_id=user_id,
        text=text,
        payload=payload,
        external_id=external_id,
        variables=variables,
    )
    if bot_connector.forwards_to_url(bot=bot, channel=channel):
        # The delivery to the bot commits with the message, or neither does.
        with transaction.atomic():
            received = ingest()
            bot_connector.forward(received=received)
        return received
    received = ingest()
    try:
        bot_connector.forward(received=received)
    except Exception:
        # The message is stored and agents see it; a failing demo bot must not fail the channel.
        logger.exception("bot connector failed on message %s", received.message.pk)
    return received


def bot_for_channel(*, bot_id: str) -> Bot:
    # Every web-chat socket's connect and page: kept a few seconds, as for the API.
    bot = handoff_selectors.bot_get(bot_id=bot_id)
    if bot is None:
        raise NotFound("Unknown bot.", code="bot_not_found")
    return bot


def messenger_page_for(*, bot_id: str) -> MessengerSettings:
    """The Facebook page of this bot; a bot without one is as unknown as a missing bot."""
    page = MessengerSettings.objects.select_related("bot").filter(bot__bot_id=bot_id).first()
    if page is None:
        raise NotFound("Unknown bot, or no Messenger page connected to it.", code="bot_not_found")
    return page


def whatsapp_number_for(*, bot_id: str) -> WhatsAppSettings:
    """The WhatsApp number of this bot; a bot without one is as unknown as a missing bot."""
    number = WhatsAppSettings.objects.select_related("bot").filter(bot__bot_id=bot_id).first()
    if number is None:
        raise NotFound("Unknown bot, or no WhatsApp number connected to it.", code="bot_not_found")
    return number


# --- web chat -----------------------------------------------------------------------------


def _signer(bot: Bot) -> signing.Signer:
    # Salted per bot: a visitor's id for one bot is worth nothing on another.
    return signing.Signer(salt=f"hitl.webchat.{bot.bot_id}")


def web_token_new(*, bot: Bot) -> str:
    """A new anonymous visitor: a random id, signed so nobody can claim someone else's."""
    return _signer(bot).sign(f"web-{secrets.token_urlsafe(12)}")


def web_user_from_token(*, bot: Bot, token: Any) -> str:
    if not isinstance(token, str) or not token or len(token) > 200:
        raise Forbidden("A chat token is required.", code="invalid_chat_token")
    try:
        return _signer(bot).unsign(token)
    except signing.BadSignature:
        raise Forbidden("This chat token is not valid.", code="invalid_chat_token") from None


@dataclass(frozen=True)
class WebVisitor:
    bot: Bot
    user_id: str
    conversation: Conversation | None


def web_visitor(*, bot_id: str, token: Any) -> WebVisitor:
    """Who a chat token names, and their conversation if they have written before."""
    bot = bot_for_channel(bot_id=bot_id)
    user_id = web_user_from_token(bot=bot, token=token)
    return WebVisitor(
        bot=bot, user_id=user_id, conversation=web_conversation(bot=bot, user_id=user_id)
    )


def web_socket_visitor(*, bot_id: str, token: Any, client_ip: str) -> WebVisitor:
    """A visitor's socket connecting: its address's connect limit (RateLimited), then who the
    token names; in one trip to a database thread."""
    limits.check(
        "webchat_socket_ip", client_ip, "Too many chat connections from your network; wait a bit."
    )
    return web_visitor(bot_id=bot_id, token=token)


def browser_language(accept_language: str | None) -> str | None:
    """The visitor's first language (Accept-Language's first tag), or None."""
    first = (accept_language or "").split(",")[0].split(";")[0].strip()
    return first if LANGUAGE_TAG.fullmatch(first) else None


def web_conversation(
    *, bot: Bot, user_id: str, create: bool = False, language: str | None = None
) -> Conversation | None:
    """The visitor's one conversation with the bot; created only when they first write. A new
    visitor's browser language becomes their `language`, so the bot's transfer, assignment and
    resolve messages reach them in it (a bot may set another through the API)."""
    if create:
        with transaction.atomic():
            end_user, created = handoff_services.end_user_get_or_create(
                bot=bot, channel=WEB, external_id=user_id
            )
            if created and language:
                handoff_services.end_user_update_variables(
                    end_user=end_user, variables={"language": language}
                )
        conversation, _ = handoff_services.conversation_get_or_create(bot=bot, end_user=end_user)
        return conversation
    return handoff_selectors.conversation_of_known_user(
        bot=bot, channel=WEB, user_id=user_id, thread_id=""
    )


def web_history(
    *,
    conversation: Conversation | None,
    after: int | None = None,
    before: int | None = None,
    limit: int = HISTORY_LIMIT,
) -> list[dict[str, Any]]:
    """The last messages of the visitor's conversation, oldest first: after an id (polling), or
    the page before an id (the visitor scrolling back through a long conversation)."""
    if conversation is None:
        return []
    messages = handoff_selectors.conversation_messages(
        conversation=conversation, after=after, before=before, limit=limit
    )
    return [message_data(message) for message in messages]


def message_data(message: Message) -> dict[str, Any]:
    """The message as the event stream carries it (camelCase)."""
    return wire(MessageRepresentation(message))


def web_check(*, text: Any = "", payload: Any = None, client_message_id: Any = None) -> None:
    """Refuse a bad message before anything is stored: the socket opens the conversation (to
    join its group) before the message itself is written."""
    if client_message_id is not None and (
        not isinstance(client_message_id, str) or not CLIENT_MESSAGE_ID.match(client_message_id)
    ):
        raise ApplicationError(
            "clientMessageId must be 1 to 64 letters, digits, '-' or '_'.",
            code="invalid_client_message_id",
        )
    content.check_text(text)
    content.check_payload(payload)
    if not text.strip() and not payload:
        raise ApplicationError("A message needs text or a payload.", code="empty_message")


def web_admit(*, bot: Bot, user_id: str, client_ip: str, first: bool) -> None:
    """A visitor's message counts against the limits: each new visitor against their address
    (a flood of anonymous visitors opening handoffs), each message against its visitor."""
    if first:
        limits.check(
            "webchat_visitor_ip",
            client_ip,
            "Too many new conversations from your network; try again later.",
        )
    limits.check(
        "webchat_message", f"{bot.pk}:{user_id}", "You are sending messages too fast; wait a bit."
    )


def web_socket_admit(*, bot_pk: int, user_id: str, client_ip: str, first: bool) -> Bot:
    """A socket's message: the bot as it is now (a socket stays open for hours, its bot's
    settings, even its slug, may change meanwhile), then the limits of web_admit."""
    bot = Bot.objects.filter(pk=bot_pk).first()
    if bot is None:
        raise NotFound("Unknown bot.", code="bot_not_found")
    web_admit(bot=bot, user_id=user_id, client_ip=client_ip, first=first)
    return bot


def web_receive(
    *,
    bot: Bot,
    user_id: str,
    text: Any = "",
    payload: Any = None,
    client_message_id: Any = None,
    language: str | None = None,
) -> Received:
    """A visitor's message; the same client message id sent twice (a retry) is stored once.

    With the browser's `language`, a visitor this message makes new is created with it first.
    """
    web_check(text=text, payload=payload, client_message_id=client_message_id)
    if language:
        web_conversation(bot=bot, user_id=user_id, create=True, language=language)
    return inbound_receive(
        bot=bot,
        channel=WEB,
        user_id=user_id,
        text=text.strip(),
        payload=payload or None,
        external_id=client_message_id,
    )
