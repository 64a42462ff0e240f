"""Fixtures and bodies for the WhatsApp tests: a number connected to the bot, a fake Graph API,
and webhook bodies shaped as Meta's WhatsApp Cloud API webhook references show them
(developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/:
text, image, audio, video, document, location, interactive, status)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from django.test import Client

from channels_adapters.models import WhatsAppSettings
from tests.factories import ConversationFactory

APP_SECRET = "wa-app-secret"
PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"
USER = "16505551234"
SEND_PATH = f"/v23.0/{PHONE_NUMBER_ID}/messages"


@pytest.fixture
def number(bot):
    return WhatsAppSettings.objects.create(
        bot=bot,
        phone_number_id=PHONE_NUMBER_ID,
        waba_id=WABA_ID,
        verify_token="verify-me",
        app_secret=APP_SECRET,
        access_token="wa-token",
        template_names="order_update en_US\nhello_again fr",
    )


@pytest.fixture
def wa_conversation(number):
    return ConversationFactory(
        end_user__bot=number.bot, end_user__channel="whatsapp", end_user__external_id=USER
    )


@pytest.fixture
def wa_graph(httpserver, settings):
    """A local fake of Meta's Graph API for WhatsApp."""
    settings.WHATSAPP_GRAPH_API_URL = httpserver.url_for("/v23.0")
    return httpserver


def hub_signature(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def wa_post(client: Client, bot_id: str, data: Any, *, secret: str = APP_SECRET):
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    return client.post(
        f"/channels/whatsapp/{bot_id}/",
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": hub_signature(body, secret)},
    )


def wa_body(
    *,
    messages: list[dict] | None = None,
    statuses: list[dict] | None = None,
    phone_number_id: str = PHONE_NUMBER_ID,
    field: str = "messages",
) -> dict:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id},
    }
    if messages is not None:
        value["contacts"] = [{"profile": {"name": "Ada"}, "wa_id": USER}]
        value["messages"] = messages
    if statuses is not None:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": field}]}],
    }


def wa_message(kind: str, content: dict | None = None, *, wamid: str = "wamid.1") -> dict:
    message: dict[str, Any] = {"from": USER, "id": wamid, "timestamp": "1750857384", "type": kind}
    if content is not None:
        message[kind] = content
    return message


def wa_text(text: str, *, wamid: str = "wamid.1") -> dict:
    return wa_message("text", {"body": text}, wamid=wamid)


def wa_status(wamid: str, status: str, **extra: Any) -> dict:
    return {
        "id": wamid,
        "status": status,
        "timestamp": "1750857384",
        "recipient_id": USER,
        **extra,
    }


@pytest.fixture
def other_workspace_agent():
    from tests.factories import MembershipFactory

    return MembershipFactory().user


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Fetched files land in a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
