"""The bot connector: user messages to the bot's webhook unless paused; exit events at the end."""

from __future__ import annotations

import json

import pytest

from channels_adapters import bot_connector
from channels_adapters import services as adapter_services
from handoffs import services
from handoffs.models import Delivery
from tests.deliveries import deliver_due

from .conftest import hub_signature

pytestmark = pytest.mark.django_db

BOT_PATH = "/bot"


@pytest.fixture
def webhook_bot(bot, httpserver):
    bot.bot_webhook_url = httpserver.url_for(BOT_PATH)
    bot.bot_webhook_secret = "bot-secret"
    bot.save()
    httpserver.expect_request(BOT_PATH, method="POST").respond_with_data("ok")
    return bot


def posted(httpserver) -> list[dict]:
    deliver_due()
    return [json.loads(request.get_data()) for request, _ in httpserver.log]


def user_says(bot, text: str = "hello", channel: str = "web", **kwargs):
    return adapter_services.inbound_receive(
        bot=bot, channel=channel, user_id="visitor-1", text=text, **kwargs
    )


def test_user_message_is_posted_signed_to_the_bot(webhook_bot, httpserver):
    received = user_says(webhook_bot, "Where is my parcel?", external_id="c-1")
    assert httpserver.log == []  # the request that stored the message sent nothing

    deliver_due()

    request, _ = httpserver.log[0]
    body = request.get_data()
    assert request.headers["X-Hitl-Signature"] == hub_signature(body, "bot-secret")
    assert request.headers["X-Hitl-Event"] == "message"
    assert request.headers["X-Hitl-Delivery"] == str(Delivery.objects.get().delivery_id)
    sent = json.loads(body)
    assert sent["type"] == "message"
    assert sent["botId"] == webhook_bot.bot_id
    assert sent["channel"] == "web"
    assert sent["userId"] == "visitor-1"
    assert sent["conversationId"] == received.message.conversation_id
    assert sent["message"]["id"] == received.message.pk
    assert sent["message"]["text"] == "Where is my parcel?"


def test_replayed_message_is_forwarded_once(webhook_bot, httpserver):
    user_says(webhook_bot, external_id="c-1")
    user_says(webhook_bot, external_id="c-1")
    deliver_due()

    assert len(httpserver.log) == 1


@pytest.mark.parametrize(
    "payload",
    [None, {"type": "image", "url": "https://x/y.png"}, {"type": "quick_reply", "value": "A"}],
)
def test_nothing_reaches_the_bot_while_paused(webhook_bot, httpserver, payload):
    first = user_says(webhook_bot)
    services.handoff_request(conversation=first.message.conversation)
    deliver_due()
    httpserver.clear_log()

    user_says(webhook_bot, "human please", payload=payload)
    deliver_due()

    assert httpserver.log == []


def test_api_channel_messages_are_not_echoed_to_the_bot(webhook_bot, httpserver):
    user_says(webhook_bot, channel="api")
    deliver_due()

    assert httpserver.log == []


def test_bot_webhook_failure_is_retried_then_given_up(bot, httpserver):
    bot.bot_webhook_url = httpserver.url_for(BOT_PATH)
    bot.save()
    httpserver.expect_request(BOT_PATH, method="POST").respond_with_data("no", status=502)

    received = user_says(bot)
    deliver_due(passes=4)

    assert len(httpserver.log) == 3
    assert received.created
    delivery = Delivery.objects.get()
    assert delivery.status == "dead"
    assert delivery.last_error == "The bot webhook answered 502."


def test_without_a_secret_nothing_is_signed(bot, httpserver):
    bot.bot_webhook_url = httpserver.url_for(BOT_PATH)
    bot.save()
    httpserver.expect_request(BOT_PATH, method="POST").respond_with_data("ok")

    user_says(bot)
    deliver_due()

    request, _ = httpserver.log[0]
    assert "X-Hitl-Signature" not in request.headers


@pytest.fixture
def handed_off(webhook_bot, httpserver):
    conversation = user_says(webhook_bot).message.conversation
    handoff, _ = services.handoff_request(conversation=conversation)
    deliver_due()
    httpserver.clear_log()
    return handoff


def exits(httpserver) -> list[dict]:
    return [body for body in posted(httpserver) if body["type"] == "exit"]


def test_resolve_sends_handoff_resolved_with_the_agent_name(
    handed_off, agent, httpserver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.handoff_assign(handoff=handed_off, agent=agent)
        services.handoff_resolve(handoff=handed_off, actor=agent)

    [sent] = exits(httpserver)
    assert sent["exitType"] == "handoffResolved"
    assert sent["agentName"] == agent.agent_profile.display_name
    assert sent["handoffId"] == handed_off.pk
    assert sent["userId"] == "visitor-1"
    request, _ = httpserver.log[0]
    assert request.headers["X-Hitl-Event"] == "exit"


def test_expiry_sends_timed_out_waiting_agent(
    handed_off, httpserver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.handoff_expire(handoff=handed_off)

    [sent] = exits(httpserver)
    assert sent["exitType"] == "timedOutWaitingAgent"
    assert sent["agentName"] is None


def test_reject_sends_no_agent(handed_off, httpserver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.handoff_reject(handoff=handed_off, actor=None)

    assert [sent["exitType"] for sent in exits(httpserver)] == ["noAgent"]


def test_a_closed_handoff_is_announced_once(
    handed_off, agent, httpserver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.handoff_assign(handoff=handed_off, agent=agent)
        services.handoff_resolve(handoff=handed_off, actor=agent)
        # Labelling a closed handoff emits handoff.updated with status resolved again.
        services.handoff_set_labels(handoff=handed_off, names=["vip"])

    assert len(exits(httpserver)) == 1


def test_open_handoff_updates_send_no_exit(
    handed_off, agent, httpserver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.handoff_assign(handoff=handed_off, agent=agent)

    assert exits(httpserver) == []


def test_exit_body_shape(handed_off):
    body = bot_connector.exit_body(handed_off, "noAgent", None)

    assert set(body) == {
        "type",
        "exitType",
        "botId",
        "channel",
        "userId",
        "threadId",
        "conversationId",
        "handoffId",
        "agentName",
    }


def test_a_failing_bot_does_not_lose_the_message(bot, monkeypatch):
    from channels_adapters import demo_bot
    from channels_adapters.models import ConnectorSettings

    ConnectorSettings.objects.create(bot=bot, demo_bot_enabled=True)

    def broken(**kwargs) -> None:
        raise RuntimeError("bot bug")

    monkeypatch.setattr(demo_bot, "on_user_message", broken)

    received = user_says(bot)

    assert received.created
    assert received.message.pk is not None
