from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.test import Client

from channels_adapters import services as adapter_services
from channels_adapters.models import ConnectorSettings, MessengerSettings
from tests.factories import ConversationFactory

APP_SECRET = "app-secret"
PAGE_ID = "1001"
SEND_PATH = f"/v19.0/{PAGE_ID}/messages"


@pytest.fixture(autouse=True)
def quick_delivery(settings):
    """Deliveries give up after three attempts and wait two seconds at most for an answer;
    tests run the workers' pass themselves (tests.deliveries.deliver_due)."""
    settings.DELIVERY_MAX_ATTEMPTS = 3
    settings.DELIVERY_TIMEOUT_SECONDS = 2


@pytest.fixture
def demo_bot(bot):
    ConnectorSettings.objects.create(bot=bot, demo_bot_enabled=True)
    return bot


@pytest.fixture
def page(bot):
    return MessengerSettings.objects.create(
        bot=bot,
        page_id=PAGE_ID,
        verify_token="verify-me",
        app_secret=APP_SECRET,
        page_access_token="page-token",
    )


@pytest.fixture
def messenger_conversation(page):
    return ConversationFactory(
        end_user__bot=page.bot, end_user__channel="messenger", end_user__external_id="psid-7"
    )


@pytest.fixture
def graph(httpserver, settings):
    """A local fake of Facebook's Graph API."""
    settings.MESSENGER_GRAPH_API_URL = httpserver.url_for("/v19.0")
    return httpserver


def hub_signature(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def messenger_post(client: Client, bot_id: str, data: dict, *, secret: str = APP_SECRET):
    body = json.dumps(data).encode()
    return client.post(
        f"/channels/messenger/{bot_id}/",
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": hub_signature(body, secret)},
    )


def page_event(*messaging: dict, page_id: str = PAGE_ID) -> dict:
    return {"object": "page", "entry": [{"id": page_id, "time": 1, "messaging": list(messaging)}]}


def text_event(text: str, *, mid: str = "m-1", psid: str = "psid-1") -> dict:
    return {
        "sender": {"id": psid},
        "recipient": {"id": PAGE_ID},
        "timestamp": 1700000000000,
        "message": {"mid": mid, "text": text},
    }


def chat_token(bot) -> str:
    return adapter_services.web_token_new(bot=bot)
