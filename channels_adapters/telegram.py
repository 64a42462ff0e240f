"""The `telegram` channel: a Telegram bot's webhook in, the Bot API out.

Updates follow https://core.telegram.org/bots/api#update (one kind per update, `update_id`
unique), messages https://core.telegram.org/bots/api#message, button presses
https://core.telegram.org/bots/api#callbackquery. Texts go out plain, without `parse_mode`, so
nothing an agent types is read as markup and nothing needs escaping.
"""

from __future__ import annotations

import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction

from agents.errors import ApplicationError, NotFound
from handoffs import outgoing
from handoffs import services as handoff_services
from handoffs.models import Delivery, Message
from handoffs.outbound import Outcome
from handoffs.services import Received
from handoffs.services.delivery_engine import delivery_record

from . import services
from .base import message_to_send
from .bot_connector import unreachable
from .models import TelegramSettings

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# One update per request, and media come as file ids: an update stays far below this.
MAX_BODY_BYTES = 256 * 1024
# sendMessage takes 1-4096 characters, counted as UTF-16 code units.
MAX_SEND_TEXT = 4096
# InlineKeyboardButton.callback_data: 1-64 bytes.
MAX_CALLBACK_DATA = 64
# The updates hitl reads; setWebhook asks Telegram for these only.
ALLOWED_UPDATES = ["message", "callback_query"]
SERVICE = "Telegram Bot API"
SET_WEBHOOK_TIMEOUT = 10.0

# A message's media field -> the payload type hitl stores (Messenger's and Botpress's names).
INBOUND_MEDIA = {
    "photo": "image",
    "document": "file",
    "voice": "audio",
    "audio": "audio",
    "video": "video",
}
# An outgoing payload type -> (Bot API method, its media field).
OUTBOUND_MEDIA = {
    "image": ("sendPhoto", "photo"),
    "file": ("sendDocument", "document"),
    "video": ("sendVideo", "video"),
    "audio": ("sendAudio", "audio"),
}


def settings_for(*, bot_id: str) -> TelegramSettings:
    """The Telegram bot of this bot; a bot without one is as unknown as a missing bot."""
    found = TelegramSettings.objects.select_related("bot").filter(bot__bot_id=bot_id).first()
    if found is None:
        raise NotFound("Unknown bot, or no Telegram bot connected to it.", code="bot_not_found")
    return found


def api_url(telegram: TelegramSettings, method: str) -> str:
    # The Bot API has the token in the path; no header would do.
    return f"{settings.TELEGRAM_API_URL.rstrip('/')}/bot{telegram.bot_token}/{method}"


# --- inbound ------------------------------------------------------------------------------


def secret_valid(*, telegram: TelegramSettings, header: str | None) -> bool:
    """Telegram signs nothing; the secret_token given to setWebhook comes back in a header."""
    if not header or not telegram.webhook_secret:
        return False
    return hmac.compare_digest(header.encode(), telegram.webhook_secret.encode())


@dataclass(frozen=True)
class Inbound:
    """One user message of an update, as inbound_receive's arguments."""

    user_id: str
    text: str
    payload: dict[str, Any] | None
    external_id: str
    full_name: str
    callback_query_id: str | None = None


def receive_update(*, telegram: TelegramSettings, data: Any) -> Received | None:
    """Store the user message of one (authenticated) update, at most once per update id.

    A button press is also answered (answerCallbackQuery, a delivery written with the message),
    so the user's app stops showing it as loading."""
    inbound = parse_update(data)
    if inbound is None:
        return None
    bot = telegram.bot
    try:
        with transaction.atomic():
            received = services.inbound_receive(
                bot=bot,
                channel=CHANNEL,
                user_id=inbound.user_id,
                text=inbound.text,
                payload=inbound.payload,
                external_id=inbound.external_id,
                variables={"fullName": inbound.full_name} if inbound.full_name else None,
            )
            if inbound.callback_query_id and received.created:
                delivery_record(
                    kind=Delivery.Kind.TELEGRAM,
                    # Apart from the bot's messages: a press is answered even while they wait.
                    destination_key=f"{CHANNEL}-callback:{bot.pk}",
                    workspace_id=bot.workspace_id,
                    payload={"bot": bot.pk, "callbackQueryId": inbound.callback_query_id},
                )
    except ApplicationError as error:
        # An error answer makes Telegram hold back the bot's later updates while it retries.
        logger.warning("telegram update %s skipped: %s", inbound.external_id, error.message)
        return None
    return received


def _invalid(what: str) -> ApplicationError:
    return ApplicationError(
        f"Not a Telegram update: {what}.", code="invalid_update", status_code=400
    )


def parse_update(data: Any) -> Inbound | None:
    """An update's user message; None for the kinds hitl does not read (edits, channel posts,
    members joining, ...). A body that is no update at all is refused (400)."""
    if not isinstance(data, dict):
        raise _invalid("expected a JSON object")
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
        raise _invalid("update_id must be a non-negative integer")
    external_id = f"update-{update_id}"
    if "message" in data:
        return _parse_message(data["message"], external_id)
    if "callback_query" in data:
        return _parse_callback_query(data["callback_query"], external_id)
    return None


def _parse_message(message: Any, external_id: str) -> Inbound | None:
    if not isinstance(message, dict):
        raise _invalid("message must be an object")
    chat_id = _chat_id(message)
    if chat_id is None:
        raise _invalid("message.chat.id is missing")
    sender = message.get("from")
    text, payload = _content(message)
    if not text and payload is None:
        return None  # a sticker, a location, a member joining: nothing hitl shows
    return Inbound(
        user_id=chat_id,
        text=text,
        payload=payload,
        external_id=external_id,
        full_name=_profile_name(message, sender),
    )


def _parse_callback_query(query: Any, external_id: str) -> Inbound | None:
    if not isinstance(query, dict) or not isinstance(query.get("id"), str):
        raise _invalid("callback_query.id is missing")
    sender = query.get("from")
    if not isinstance(sender, dict) or not isinstance(sender.get("id"), int):
        raise _invalid("callback_query.from.id is missing")
    data = query.get("data")
    if not isinstance(data, str):
        return None  # a game button: no data to pass on
    message = query.get("message")
    # The chat the button was in; a private chat's id is the user's id.
    chat_id = _chat_id(message) if isinstance(message, dict) else None
    return Inbound(
        user_id=chat_id or str(sender["id"]),
        text=_button_text(message, data) or data,
        payload={"type": "quick_reply", "value": data},
        external_id=external_id,
        full_name=_profile_name(message, sender),
        callback_query_id=query["id"],
    )


def _chat_id(message: dict[str, Any]) -> str | None:
    chat = message.get("chat")
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    if not isinstance(chat_id, int) or isinstance(chat_id, bool):
        return None
    return str(chat_id)


def _profile_name(message: Any, sender: Any) -> str:
    """The conversation's name: the user's in a private chat; in a group, where the chat is the
    "user" and members take turns, the group's title."""
    chat = message.get("chat") if isinstance(message, dict) else None
    if isinstance(chat, dict) and chat.get("type") not in (None, "private"):
        title = chat.get("title")
        return title.strip() if isinstance(title, str) else ""
    return full_name(sender) if isinstance(sender, dict) else ""


def full_name(user: dict[str, Any]) -> str:
    parts = [user.get("first_name"), user.get("last_name")]
    return " ".join(str(part).strip() for part in parts if isinstance(part, str) and part.strip())


def _content(message: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """(text, payload): a text, or a medium by file id with its caption as the text.

    Files are kept by id: their download URL holds the bot's token."""
    text = message.get("text")
    if isinstance(text, str):
        return text, None
    caption = message.get("caption")
    caption = caption if isinstance(caption, str) else ""
    for field, kind in INBOUND_MEDIA.items():
        media = message.get(field)
        if field == "photo" and isinstance(media, list):
            # The sizes of one photo, smallest first.
            sizes = [size for size in media if isinstance(size, dict)]
            media = sizes[-1] if sizes else None
        if isinstance(media, dict) and isinstance(media.get("file_id"), str):
            attachment = {"type": kind, "fileId": media["file_id"]}
            for key, name in (
                ("file_unique_id", "fileUniqueId"),
                ("file_name", "fileName"),
                ("mime_type", "mimeType"),
                ("file_size", "fileSize"),
                ("duration", "duration"),
            ):
                if media.get(key) is not None:
                    attachment[name] = media[key]
            return caption, {"type": kind, "telegramType": field, "attachments": [attachment]}
    return "", None


def _button_text(message: Any, data: str) -> str | None:
    """The pressed button's title, from the keyboard of the message it was under."""
    markup = message.get("reply_markup") if isinstance(message, dict) else None
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    for row in rows if isinstance(rows, list) else []:
        for button in row if isinstance(row, list) else []:
            if isinstance(button, dict) and button.get("callback_data") == data:
                title = button.get("text")
                return title if isinstance(title, str) else None
    return None


# --- outbound -----------------------------------------------------------------------------


def send(delivery: Delivery, client: httpx.Client) -> Outcome:
    """The delivery engine's sender: a bot, agent or system message, or the answer to a
    button press.

    A message in several requests records each part that went out, so a retry (after a 429)
    sends only the rest."""
    if "callbackQueryId" in delivery.payload:
        return _answer_callback_query(delivery, client)
    message = message_to_send(delivery)
    if message is None:
        return Outcome(ok=True)
    telegram = TelegramSettings.objects.filter(bot=message.conversation.bot).first()
    if telegram is None:
        return Outcome(ok=False, final=True, error="No Telegram bot is connected to this bot.")
    requests = api_requests(message)
    if not requests:
        return Outcome(
            ok=False, final=True, error="Nothing in this message that Telegram can show."
        )
    done = int(delivery.payload.get("partsSent") or 0)
    outcome = Outcome(ok=True)
    for number, (method, body) in enumerate(requests):
        if number < done:
            continue
        outcome = _call(client, telegram, method, body, delivery)
        if not outcome.ok:
            return outcome
        if number + 1 < len(requests):
            delivery.payload["partsSent"] = number + 1
            Delivery.objects.filter(pk=delivery.pk).update(payload=delivery.payload)
    handoff_services.message_mark_delivery(message_id=message.pk, ok=True)
    return outcome


def on_dead(delivery: Delivery) -> None:
    """Given up: the message shows as failed, with the reason (a press's answer is only lost)."""
    if "messageId" in delivery.payload:
        handoff_services.message_mark_delivery(
            message_id=delivery.payload["messageId"], ok=False, error=delivery.last_error
        )


def _answer_callback_query(delivery: Delivery, client: httpx.Client) -> Outcome:
    telegram = TelegramSettings.objects.filter(bot_id=delivery.payload.get("bot")).first()
    if telegram is None:
        return Outcome(ok=False, final=True, error="No Telegram bot is connected to this bot.")
    body = {"callback_query_id": delivery.payload["callbackQueryId"]}
    return _call(client, telegram, "answerCallbackQuery", body, delivery)


def _call(
    client: httpx.Client,
    telegram: TelegramSettings,
    method: str,
    body: dict[str, Any],
    delivery: Delivery | None = None,
) -> Outcome:
    headers = {"Content-Type": "application/json"}
    if delivery is not None:
        headers["X-Hitl-Delivery"] = str(delivery.delivery_id)
    try:
        response = client.post(
            api_url(telegram, method), content=json.dumps(body).encode(), headers=headers
        )
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        # What the tenant reads names no URL: the Bot API's has the token in it.
        return unreachable(error, service=SERVICE)
    return api_outcome(response)


def api_outcome(response: httpx.Response) -> Outcome:
    """`{"ok": true}` delivered; 429 (after `parameters.retry_after`), 5xx and timeouts
    retried; any other refusal is final, with Telegram's description."""
    code = response.status_code
    answer = _json_object(response)
    text = response.text[:1000]
    if response.is_success and answer.get("ok") is not False:
        return Outcome(ok=True, status_code=code, response=text)
    parameters = answer.get("parameters")
    retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
    if not isinstance(retry_after, int | float) or isinstance(retry_after, bool):
        retry_after = None
    if code in (408, 429) or code >= 500:
        return Outcome(
            ok=False,
            status_code=code,
            response=text,
            error=f"{SERVICE} answered {code}.",
            retry_after=retry_after,
        )
    description = answer.get("description")
    reason = str(description)[:300] if description else text[:300]
    return Outcome(
        ok=False,
        status_code=code,
        response=text,
        error=f"{SERVICE} refused the message ({code}): {reason}",
        final=True,
    )


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def api_requests(message: Message) -> list[tuple[str, dict[str, Any]]]:
    """The Bot API calls for one message: its text in parts, its medium by link, and its quick
    replies as an inline keyboard on the last call."""
    chat_id = message.conversation.end_user.external_id
    payload = message.payload or {}
    calls: list[tuple[str, dict[str, Any]]] = [
        ("sendMessage", {"chat_id": chat_id, "text": part}) for part in text_parts(message.text)
    ]
    url = payload.get("url")
    if payload.get("type") in OUTBOUND_MEDIA and isinstance(url, str) and url:
        method, field = OUTBOUND_MEDIA[payload["type"]]
        calls.append((method, {"chat_id": chat_id, field: url}))
    choices = payload.get("choices") if payload.get("type") == "quick_reply" else None
    if isinstance(choices, list) and calls:
        keyboard = [
            [{"text": str(choice.get("title", "")), "callback_data": callback_data(choice)}]
            for choice in choices
            if isinstance(choice, dict)
        ]
        if keyboard:
            calls[-1][1]["reply_markup"] = {"inline_keyboard": keyboard}
    return calls


def callback_data(choice: dict[str, Any]) -> str:
    """The value a button sends back; cut to Telegram's 64 bytes, never inside a character."""
    value = str(choice.get("value", choice.get("title", ""))) or " "
    return value.encode()[:MAX_CALLBACK_DATA].decode(errors="ignore") or " "


def text_parts(text: str) -> list[str]:
    """Chunks of at most MAX_SEND_TEXT UTF-16 code units (an emoji counts two)."""
    parts: list[str] = []
    current: list[str] = []
    units = 0
    for character in text:
        size = 2 if ord(character) > 0xFFFF else 1
        if units + size > MAX_SEND_TEXT:
            parts.append("".join(current))
            current, units = [], 0
        current.append(character)
        units += size
    if current:
        parts.append("".join(current))
    return [part for part in parts if part.strip()]


# --- the admin's action -------------------------------------------------------------------


def webhook_set(*, telegram: TelegramSettings, url: str, client: httpx.Client | None = None) -> str:
    """Point the Telegram bot's webhook at `url` with our secret (setWebhook); Telegram's
    description on success, an ApplicationError with its reason otherwise.

    An admin's click waits for this one call: there is nothing to retry later."""
    body = {"url": url, "secret_token": telegram.webhook_secret, "allowed_updates": ALLOWED_UPDATES}
    own_client = client is None
    client = client or outgoing.client(timeout=SET_WEBHOOK_TIMEOUT)
    try:
        outcome = _call(client, telegram, "setWebhook", body)
    finally:
        if own_client:
            client.close()
    if not outcome.ok:
        raise ApplicationError(outcome.error, code="telegram_refused", status_code=502)
    try:
        answer = json.loads(outcome.response)
    except ValueError:
        answer = None
    description = answer.get("description") if isinstance(answer, dict) else None
    return str(description or "Webhook was set")
