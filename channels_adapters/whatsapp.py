"""The `whatsapp` channel: a WhatsApp Business number's webhook in (Cloud API), its `/messages`
endpoint out, the statuses Meta reports back, and the 24-hour customer-service window.

Payloads follow Meta's WhatsApp Cloud API references (webhooks/reference/messages/*, the
messages and media endpoints); the tests name the page each case follows.
"""

from __future__ import annotations

import logging
import mimetypes
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agents.errors import ApplicationError
from handoffs import services as handoff_services
from handoffs.models import Conversation, Delivery, Message
from handoffs.outbound import Outcome
from handoffs.services import Received
from handoffs.services.delivery_engine import delivery_record

from . import graph, services
from .base import message_to_send
from .bot_connector import http_outcome, reason_of, unreachable
from .models import WhatsAppMedia, WhatsAppSentMessage, WhatsAppSettings

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
SERVICE = "WhatsApp Cloud API"
# A text message's body holds at most 4096 characters; longer agent messages go in parts.
MAX_SEND_TEXT = 4096
# Interactive messages: a body of 1024 characters, 3 reply buttons of 20, or a list of 10 rows
# of 24 (and ids of 256 / 200).
MAX_INTERACTIVE_BODY = 1024
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
# WhatsApp's largest media (video, documents go to 100 MB; we keep what agents can open).
MAX_MEDIA_BYTES = 16 * 1024 * 1024
WINDOW = timedelta(hours=24)
# Meta's media ids are digits; anything else would not make a media address of ours.
MEDIA_ID = re.compile(r"[A-Za-z0-9._-]{1,100}")

# WhatsApp's media kinds -> the payload types the workspace and Botpress know.
MEDIA_TYPES = {"image": "image", "audio": "audio", "video": "video", "document": "file"}
OUTBOUND_MEDIA = {"image": "image", "audio": "audio", "video": "video", "file": "document"}
# What a status report becomes on the message.
REPORTED = {
    "sent": Message.Delivery.SENT,
    "delivered": Message.Delivery.DELIVERED,
    "read": Message.Delivery.READ,
    "failed": Message.Delivery.FAILED,
}


def _malformed(what: str) -> ApplicationError:
    return ApplicationError(
        f"Malformed WhatsApp webhook: {what}.", code="invalid_event", status_code=400
    )


# --- inbound ------------------------------------------------------------------------------


@dataclass
class Batch:
    """A webhook body read through: the user messages and the status reports it holds."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[dict[str, str]] = field(default_factory=list)
    # The WhatsApp profile name of each sender (contacts[].profile.name by wa_id).
    names: dict[str, str] = field(default_factory=dict)


def receive_webhook(*, number: WhatsAppSettings, data: Any) -> list[Received]:
    """Store each user message of a (signed) webhook body once, and record the statuses.

    The whole body is read before anything is stored: a malformed one stores nothing (400)."""
    batch = parse_body(number=number, data=data)
    received = []
    for incoming in batch.messages:
        media = incoming.pop("media", None)
        try:
            with transaction.atomic():
                result = services.inbound_receive(bot=number.bot, channel=CHANNEL, **incoming)
                if result.created and media:
                    _fetch_later(number=number, message=result.message, media=media)
                if result.created:
                    _name_user(number=number, result=result, names=batch.names)
        except ApplicationError as error:
            # Answering an error would make Meta resend the batch for days; skip it.
            logger.warning("whatsapp message skipped: %s", error.message)
            continue
        received.append(result)
    for status in batch.statuses:
        record_status(number=number, **status)
    return received


def parse_body(*, number: WhatsAppSettings, data: Any) -> Batch:
    if not isinstance(data, dict) or data.get("object") != "whatsapp_business_account":
        raise _malformed("expected a whatsapp_business_account object")
    entries = data.get("entry")
    if not isinstance(entries, list):
        raise _malformed("entry must be a list")
    batch = Batch()
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("changes"), list):
            raise _malformed("each entry needs a list of changes")
        mine = str(entry.get("id")) == number.waba_id
        for change in entry["changes"]:
            if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                raise _malformed("each change needs a value object")
            if change.get("field") != "messages":
                continue  # account, template and quality updates: not ours to store
            value = change["value"]
            metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
            phone = str(metadata.get("phone_number_id", ""))
            if not mine or phone != number.phone_number_id:
                logger.warning(
                    "whatsapp change for %s/%s reached bot %s", entry.get("id"), phone, number.bot
                )
                continue
            for contact in _list(value, "contacts"):
                profile = contact.get("profile") if isinstance(contact, dict) else None
                if isinstance(profile, dict) and isinstance(profile.get("name"), str):
                    batch.names[str(contact.get("wa_id"))] = profile["name"][:200]
            for message in _list(value, "messages"):
                incoming = parse_message(number=number, message=message)
                if incoming is not None:
                    batch.messages.append(incoming)
            for status in _list(value, "statuses"):
                reported = parse_status(status)
                if reported is not None:
                    batch.statuses.append(reported)
    return batch


def _list(value: dict[str, Any], key: str) -> list[Any]:
    found = value.get(key) or []
    if not isinstance(found, list):
        raise _malformed(f"{key} must be a list")
    return found


def _object(message: dict[str, Any], key: str) -> dict[str, Any]:
    found = message.get(key)
    if not isinstance(found, dict):
        raise _malformed(f"a {message.get('type')} message needs its {key} object")
    return found


def parse_message(*, number: WhatsAppSettings, message: Any) -> dict[str, Any] | None:
    """A user message as inbound_receive's arguments (with `media` to fetch); None for kinds
    we do not store (reactions, stickers, orders, system notices, unsupported)."""
    if not isinstance(message, dict):
        raise _malformed("each message must be an object")
    sender, wamid, kind = message.get("from"), message.get("id"), message.get("type")
    if not (isinstance(sender, str) and sender and isinstance(wamid, str) and wamid):
        raise _malformed("a message needs from and id")
    base: dict[str, Any] = {"user_id": sender, "external_id": wamid}
    if kind == "text":
        body = _object(message, "text").get("body")
        if not isinstance(body, str):
            raise _malformed("a text message needs text.body")
        return {**base, "text": body}
    if kind in MEDIA_TYPES:
        media = _object(message, kind)
        media_id = media.get("id")
        if not isinstance(media_id, str) or not MEDIA_ID.fullmatch(media_id):
            raise _malformed(f"a {kind} message needs {kind}.id")
        attachment = {
            "type": MEDIA_TYPES[kind],
            "url": reverse("whatsapp-media", args=[number.bot.bot_id, media_id]),
            "mediaId": media_id,
            "mimeType": str(media.get("mime_type") or ""),
        }
        if media.get("filename"):
            attachment["filename"] = str(media["filename"])
        return {
            **base,
            "text": str(media.get("caption") or ""),
            "payload": {"type": MEDIA_TYPES[kind], "attachments": [attachment]},
            "media": (media_id, attachment["mimeType"]),
        }
    if kind == "location":
        place = _object(message, "location")
        latitude, longitude = place.get("latitude"), place.get("longitude")
        if not all(isinstance(v, int | float) for v in (latitude, longitude)):
            raise _malformed("a location message needs latitude and longitude")
        title, address = str(place.get("name") or ""), str(place.get("address") or "")
        return {
            **base,
            "text": ", ".join(part for part in (title, address) if part),
            "payload": {
                "type": "location",
                "latitude": latitude,
                "longitude": longitude,
                "title": title,
                "address": address,
            },
        }
    if kind == "interactive":
        interactive = _object(message, "interactive")
        reply_kind = interactive.get("type")
        if reply_kind not in ("button_reply", "list_reply"):
            return None  # flows (nfm_reply) and the like
        reply = interactive.get(reply_kind)
        if not isinstance(reply, dict) or not isinstance(reply.get("id"), str):
            raise _malformed(f"an interactive {reply_kind} needs its id")
        payload = {
            "type": "quick_reply" if reply_kind == "button_reply" else "list_reply",
            "value": reply["id"],
        }
        return {**base, "text": str(reply.get("title") or ""), "payload": payload}
    if kind == "button":
        # A template's quick-reply button.
        button = _object(message, "button")
        return {
            **base,
            "text": str(button.get("text") or ""),
            "payload": {"type": "quick_reply", "value": button.get("payload")},
        }
    return None


def parse_status(status: Any) -> dict[str, str] | None:
    if not isinstance(status, dict):
        raise _malformed("each status must be an object")
    wamid, state = status.get("id"), status.get("status")
    if not isinstance(wamid, str) or not isinstance(state, str):
        raise _malformed("a status needs id and status")
    if state not in REPORTED:
        return None  # `deleted`, `warning`: nothing the workspace shows
    return {"wamid": wamid, "status": REPORTED[state], "error": _status_error(status)}


def _status_error(status: dict[str, Any]) -> str:
    errors = status.get("errors")
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return "WhatsApp did not deliver the message." if status.get("status") == "failed" else ""
    error = errors[0]
    title = str(error.get("title") or error.get("message") or "Not delivered")
    data = error.get("error_data")
    details = data.get("details") if isinstance(data, dict) else None
    text = f"{title} ({error.get('code')})" if error.get("code") is not None else title
    return f"{text}: {details}" if details and details != title else text


def record_status(*, number: WhatsAppSettings, wamid: str, status: str, error: str) -> None:
    """Meta's news about a message we sent, on the message (forward only, live)."""
    sent = (
        WhatsAppSentMessage.objects.filter(wamid=wamid, message__conversation__bot=number.bot)
        .values_list("message_id", flat=True)
        .first()
    )
    if sent is None:
        return  # sent from elsewhere (WhatsApp Manager, another tool), or erased since
    handoff_services.message_mark_reported(message_id=sent, status=status, error=error)


def _name_user(*, number: WhatsAppSettings, result: Received, names: dict[str, str]) -> None:
    """The user's WhatsApp profile name as their `fullName`, unless they have one (the bot may
    have asked for it)."""
    end_user = result.message.conversation.end_user
    name = names.get(end_user.external_id)
    if name and not end_user.variables.get("fullName"):
        end_user.bot = number.bot
        handoff_services.end_user_update_variables(end_user=end_user, variables={"fullName": name})


def _fetch_later(*, number: WhatsAppSettings, message: Message, media: tuple[str, str]) -> None:
    """In the message's transaction: a worker fetches the file behind the media id."""
    media_id, mime_type = media
    row, created = WhatsAppMedia.objects.get_or_create(
        bot=number.bot,
        media_id=media_id,
        defaults={"mime_type": mime_type, "message": message},
    )
    if created:
        delivery_record(
            kind=Delivery.Kind.WHATSAPP_MEDIA,
            destination_key=f"whatsapp_media:{number.bot.pk}",
            workspace_id=number.bot.workspace_id,
            payload={"mediaRowId": row.pk},
        )


def fetch_media(delivery: Delivery, client: httpx.Client) -> Outcome:
    """The delivery engine's sender of a media fetch: the media's URL from the Graph API, then
    the file (both behind the access token), kept in hitl's storage for the agents."""
    media = WhatsAppMedia.objects.filter(pk=delivery.payload.get("mediaRowId")).first()
    if media is None or media.file:
        return Outcome(ok=True)
    number = WhatsAppSettings.objects.filter(bot_id=media.bot_id).first()
    if number is None:
        return Outcome(ok=False, final=True, error="No WhatsApp number is connected to this bot.")
    headers = {"Authorization": f"Bearer {number.access_token}"}
    url = f"{settings.WHATSAPP_GRAPH_API_URL.rstrip('/')}/{media.media_id}"
    try:
        response = client.get(
            url, params={"phone_number_id": number.phone_number_id}, headers=headers
        )
        outcome = http_outcome(response, service=SERVICE)
        if not outcome.ok:
            return outcome
        info = response.json()
        if not isinstance(info, dict) or not isinstance(info.get("url"), str):
            return Outcome(ok=False, final=True, error=f"{SERVICE} gave no media URL.")
        with client.stream("GET", info["url"], headers=headers) as file:
            size = int(file.headers.get("Content-Length") or 0)
            if file.is_success and size > MAX_MEDIA_BYTES:
                return Outcome(ok=False, final=True, error="The file is larger than hitl keeps.")
            file.read()
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        return unreachable(error, service=SERVICE)
    except ValueError:
        return Outcome(ok=False, final=True, error=f"{SERVICE} answered with no JSON.")
    outcome = http_outcome(file, service=SERVICE)
    if not outcome.ok:
        return outcome
    if len(file.content) > MAX_MEDIA_BYTES:
        return Outcome(ok=False, final=True, error="The file is larger than hitl keeps.")
    mime_type = str(info.get("mime_type") or media.mime_type)
    extension = mimetypes.guess_extension(mime_type.split(";")[0].strip()) or ""
    stored = media.file.storage.save(
        f"whatsapp/{secrets.token_urlsafe(16)}{extension}", ContentFile(file.content)
    )
    # An UPDATE, not save(): the row may have gone meanwhile (erasure), and must stay gone.
    if not WhatsAppMedia.objects.filter(pk=media.pk).update(file=stored, mime_type=mime_type):
        media.file.storage.delete(stored)
    return Outcome(ok=True, status_code=file.status_code)


def forget_file(sender: type, instance: WhatsAppMedia, **kwargs: Any) -> None:
    """A media row deleted (with its message: erasure, retention) takes its file along, once
    the deletion commits (a rolled-back erasure keeps it)."""
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --- the 24-hour window -------------------------------------------------------------------


def window_open(conversation: Conversation, *, now: Any = None) -> bool:
    """Whether the user wrote within 24 hours: free-form messages are allowed only then."""
    last = (
        Message.objects.filter(conversation=conversation, direction=Message.Direction.INCOMING)
        .order_by("-id")
        .values_list("created_at", flat=True)
        .first()
    )
    return last is not None and (now or timezone.now()) - last < WINDOW


def check_agent_message(
    conversation: Conversation, text: str, payload: dict[str, Any] | None
) -> None:
    """Before an agent's message is stored: a template must be one of the bot's; anything
    else needs the customer-service window open."""
    number = WhatsAppSettings.objects.filter(bot_id=conversation.bot_id).first()
    templates = number.templates if number else {}
    if (payload or {}).get("type") == "template":
        name = (payload or {}).get("template")
        if name not in templates:
            raise ApplicationError(
                f"Unknown WhatsApp template {name!r}; this bot's approved templates: "
                f"{', '.join(templates) or 'none configured'}.",
                code="unknown_template",
                extra={"templates": list(templates)},
            )
        return
    if not window_open(conversation):
        raise ApplicationError(
            "The user last wrote more than 24 hours ago: WhatsApp takes only an approved "
            "template until they write again. Send one of the bot's templates instead.",
            code="whatsapp_window_closed",
            extra={"templates": list(templates)},
        )


# --- outbound -----------------------------------------------------------------------------


def send(delivery: Delivery, client: httpx.Client) -> Outcome:
    """The delivery engine's sender: a bot, agent or system message to `/<number>/messages`.

    The message stays `pending` until Meta reports it `sent` (its 200 only says accepted); a
    long message goes in parts, and a retry sends every part again (at least once)."""
    message = message_to_send(delivery)
    if message is None:
        return Outcome(ok=True)
    number = WhatsAppSettings.objects.filter(bot=message.conversation.bot).first()
    if number is None:
        return Outcome(ok=False, final=True, error="No WhatsApp number is connected to this bot.")
    bodies = message_bodies(message, templates=number.templates)
    if not bodies:
        return Outcome(
            ok=False, final=True, error="Nothing in this message that WhatsApp can show."
        )
    return graph.post_each(
        client,
        url=f"{settings.WHATSAPP_GRAPH_API_URL.rstrip('/')}/{number.phone_number_id}/messages",
        token=number.access_token,
        delivery=delivery,
        bodies=bodies,
        service=SERVICE,
        on_sent=lambda response: _remember(message, response),
    )


def _remember(message: Message, response: httpx.Response) -> None:
    try:
        sent = response.json().get("messages") or []
    except (ValueError, AttributeError):
        logger.warning("whatsapp send answered without JSON: %s", reason_of(response))
        return
    for item in sent:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            WhatsAppSentMessage.objects.get_or_create(
                wamid=item["id"], defaults={"message": message}
            )


def on_dead(delivery: Delivery) -> None:
    """Given up: the message shows as failed, with the reason."""
    handoff_services.message_mark_delivery(
        message_id=delivery.payload.get("messageId"), ok=False, error=delivery.last_error
    )


def message_bodies(message: Message, *, templates: dict[str, str]) -> list[dict[str, Any]]:
    """The `/messages` requests for one message: a template alone; else long texts in parts,
    media by link, and quick replies as reply buttons (a list beyond three) on the last part."""
    payload = message.payload or {}
    envelope = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": message.conversation.end_user.external_id,
    }
    if payload.get("type") == "template":
        name = str(payload.get("template") or "")
        return [
            {
                **envelope,
                "type": "template",
                "template": {"name": name, "language": {"code": templates.get(name, "en_US")}},
            }
        ]
    texts = [
        message.text[start : start + MAX_SEND_TEXT]
        for start in range(0, len(message.text), MAX_SEND_TEXT)
    ]
    contents: list[dict[str, Any]] = [
        {"type": "text", "text": {"body": text, "preview_url": False}} for text in texts
    ]
    url = payload.get("url")
    if payload.get("type") in OUTBOUND_MEDIA and isinstance(url, str) and url:
        kind = OUTBOUND_MEDIA[payload["type"]]
        contents.append({"type": kind, kind: {"link": url}})
    choices = payload.get("choices") if payload.get("type") == "quick_reply" else None
    choices = [c for c in choices or [] if isinstance(c, dict)]
    if choices:
        last = contents[-1] if contents else None
        if last and last["type"] == "text" and len(last["text"]["body"]) <= MAX_INTERACTIVE_BODY:
            body = contents.pop()["text"]["body"]
        else:
            body = "Choose one:"
        contents.append({"type": "interactive", "interactive": _interactive(body, choices)})
    return [{**envelope, **content} for content in contents]


def _interactive(body: str, choices: list[dict[str, Any]]) -> dict[str, Any]:
    def value(choice: dict[str, Any]) -> str:
        return str(choice.get("value", choice.get("title", "")))[:200]

    if len(choices) <= MAX_BUTTONS:
        return {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [
                    {
                        "type": "reply",
                        "reply": {
                            "id": value(choice),
                            "title": str(choice.get("title", ""))[:MAX_BUTTON_TITLE],
                        },
                    }
                    for choice in choices
                ]
            },
        }
    return {
        "type": "list",
        "body": {"text": body},
        "action": {
            "button": "Choose",
            "sections": [
                {
                    "title": "Options",
                    "rows": [
                        {"id": value(choice), "title": str(choice.get("title", ""))[:MAX_ROW_TITLE]}
                        for choice in choices[:MAX_LIST_ROWS]
                    ],
                }
            ],
        },
    }
