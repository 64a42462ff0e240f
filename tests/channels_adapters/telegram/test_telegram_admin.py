"""The admin's Telegram bots: settings scoped to the workspace, and the "Set Telegram webhook"
action.

Follows https://core.telegram.org/bots/api#setwebhook: `url` to receive updates, `secret_token`
(1-256 characters of A-Z, a-z, 0-9, _ and -) sent back in X-Telegram-Bot-Api-Secret-Token,
`allowed_updates` to limit the kinds; the answer is `{"ok": true, "result": true,
"description": ...}` or `{"ok": false, "error_code", "description"}`.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from agents import services
from channels_adapters.models import TelegramSettings
from handoffs.models import Message
from tests.factories import BotFactory, WorkspaceFactory

from .conftest import API, message_update, telegram_post

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/channels_adapters/telegramsettings/"


@pytest.fixture
def boss(workspace):
    return services.agent_create(
        workspace=workspace, username="boss", password="x-long-pass-1", role="admin"
    )


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def set_webhook(client: Client, *settings: TelegramSettings):
    response = client.post(
        CHANGELIST,
        {"action": "set_webhook", "_selected_action": [s.pk for s in settings]},
        follow=True,
    )
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def test_a_new_telegram_bot_gets_a_secret_telegram_accepts(bot):
    telegram = TelegramSettings.objects.create(bot=bot, bot_token="1:abc")
    other = TelegramSettings.objects.create(bot=BotFactory(), bot_token="2:abc")

    assert re.fullmatch(r"[A-Za-z0-9_-]{32,256}", telegram.webhook_secret)
    assert other.webhook_secret != telegram.webhook_secret


def test_the_action_sets_the_webhook_with_the_secret(bot_api, boss, telegram_bot):
    bot_api.expect_request(f"{API}/setWebhook", method="POST").respond_with_json(
        {"ok": True, "result": True, "description": "Webhook was set"}
    )

    shown = set_webhook(as_user(boss), telegram_bot)

    request, _ = bot_api.log[0]
    assert json.loads(request.get_data()) == {
        "url": f"http://testserver/channels/telegram/{telegram_bot.bot.bot_id}/",
        "secret_token": telegram_bot.webhook_secret,
        "allowed_updates": ["message", "callback_query"],
    }
    assert shown == [
        (
            "success",
            f"{telegram_bot.bot}: Webhook was set "
            f"(http://testserver/channels/telegram/{telegram_bot.bot.bot_id}/).",
        )
    ]


def test_updates_with_the_secret_set_are_taken(bot_api, boss, client, telegram_bot):
    bot_api.expect_request(f"{API}/setWebhook", method="POST").respond_with_json(
        {"ok": True, "result": True}
    )
    set_webhook(as_user(boss), telegram_bot)
    secret = json.loads(bot_api.log[0][0].get_data())["secret_token"]

    response = telegram_post(
        client, telegram_bot.bot.bot_id, message_update(text="hi"), secret=secret
    )

    assert response.status_code == 200
    assert Message.objects.filter(direction="incoming").count() == 1


def test_a_refusal_is_shown_to_the_admin(bot_api, boss, telegram_bot):
    bot_api.expect_request(f"{API}/setWebhook", method="POST").respond_with_json(
        {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: bad webhook: HTTPS url must be provided for webhook",
        },
        status=400,
    )

    shown = set_webhook(as_user(boss), telegram_bot)

    ((level, text),) = shown
    assert level == "error"
    assert "HTTPS url must be provided" in text
    assert telegram_bot.bot_token not in text


def test_an_unreachable_api_is_shown_to_the_admin(settings, boss, telegram_bot):
    from tests.servers import free_port

    settings.TELEGRAM_API_URL = f"http://127.0.0.1:{free_port()}"

    ((level, text),) = set_webhook(as_user(boss), telegram_bot)

    assert level == "error"
    assert text.endswith("The destination refused the connection or is not reachable.")


def test_a_workspace_admin_sees_only_their_telegram_bots(boss, telegram_bot):
    foreign = TelegramSettings.objects.create(
        bot=BotFactory(workspace=WorkspaceFactory(name="Elsewhere")), bot_token="9:zz"
    )

    rows = list(as_user(boss).get(CHANGELIST).context["cl"].result_list)

    assert rows == [telegram_bot]
    assert as_user(boss).get(f"{CHANGELIST}{foreign.pk}/change/").status_code in (302, 404)


def test_the_token_is_masked_on_the_form(boss, telegram_bot):
    response = as_user(boss).get(f"{CHANGELIST}{telegram_bot.pk}/change/")

    assert 'type="password"' in response.content.decode()
    form = response.context["adminform"].form
    assert form.fields["bot_token"].widget.input_type == "password"


def test_a_malformed_token_is_refused(boss, bot):
    response = as_user(boss).post(
        f"{CHANGELIST}add/",
        {"bot": bot.pk, "bot_token": "not a token", "webhook_secret": "ok-secret"},
    )

    assert response.status_code == 200
    assert not TelegramSettings.objects.exists()
