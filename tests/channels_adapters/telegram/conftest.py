"""A Telegram bot connected to a hitl bot, a local fake of the Bot API, and update builders
shaped as https://core.telegram.org/bots/api#update describes them."""

from __future__ import annotations

import json
from itertools import count

import pytest
from django.test import Client

from channels_adapters.models import ConnectorSettings, TelegramSettings
from tests.factories import ConversationFactory

BOT_TOKEN = "123456:ABC-def_ghi"
SECRET = "s3cret_TOKEN-1"
CHAT_ID = 4242
API = f"/bot{BOT_TOKEN}"

_update_ids = count(1000)


@pytest.fixture(autouse=True)
def quick_delivery(settings):
    """Deliveries give up after three attempts; tests run the workers' pass themselves."""
    settings.DELIVERY_MAX_ATTEMPTS = 3
    settings.DELIVERY_TIMEOUT_SECONDS = 2


@pytest.fixture
def demo_bot(bot):
    ConnectorSettings.objects.create(bot=bot, demo_bot_enabled=True)
    return bot


@pytest.fixture
def telegram_bot(bot):
    return TelegramSettings.objects.create(bot=bot, bot_token=BOT_TOKEN, webhook_secret=SECRET)


@pytest.fixture
def telegram_conversation(telegram_bot):
    return ConversationFactory(
        end_user__bot=telegram_bot.bot,
        end_user__channel="telegram",
        end_user__external_id=str(CHAT_ID),
    )


@pytest.fixture
def bot_api(httpserver, settings):
    """A local fake of Telegram's Bot API."""
    settings.TELEGRAM_API_URL = httpserver.url_for("/")
    return httpserver


def telegram_post(client: Client, bot_id: str, data, *, secret: str | None = SECRET):
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post(
        f"/channels/telegram/{bot_id}/", data=body, content_type="application/json", headers=headers
    )


def sender(first_name: str = "Ada", last_name: str | None = "Lovelace") -> dict:
    user = {"id": CHAT_ID, "is_bot": False, "first_name": first_name, "language_code": "en"}
    if last_name:
        user["last_name"] = last_name
    return user


def message_update(update_id: int | None = None, **content) -> dict:
    """An update carrying a new private-chat message with `content` (text, photo, caption...)."""
    return {
        "update_id": next(_update_ids) if update_id is None else update_id,
        "message": {
            "message_id": 7,
            "from": sender(),
            "chat": {"id": CHAT_ID, "type": "private", "first_name": "Ada"},
            "date": 1700000000,
            **content,
        },
    }


def callback_update(data: str, *, keyboard: list | None = None, update_id: int | None = None):
    """An update for a press on an inline keyboard button under one of the bot's messages."""
    bot_message = {
        "message_id": 8,
        "from": {"id": 1, "is_bot": True, "first_name": "Shop bot"},
        "chat": {"id": CHAT_ID, "type": "private"},
        "date": 1700000001,
        "text": "Did that help?",
    }
    if keyboard is not None:
        bot_message["reply_markup"] = {"inline_keyboard": keyboard}
    return {
        "update_id": next(_update_ids) if update_id is None else update_id,
        "callback_query": {
            "id": "cbq-77",
            "from": sender(),
            "message": bot_message,
            "chat_instance": "-1234",
            "data": data,
        },
    }
