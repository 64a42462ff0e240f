"""CSAT on the channels: each shows the five choices as its own buttons, and the user's answer
never reaches the bot's webhook.

Messenger's quick replies (`message.quick_replies`, each `content_type` text, `title`,
`payload`, up to 13; the tapped one comes back as `message.quick_reply.payload`) are from
Meta's Messenger Platform docs, "Quick replies"
(developers.facebook.com/docs/messenger-platform/send-messages/quick-replies)."""

from __future__ import annotations

import json

import pytest

from agents.services import api_token_create
from channels_adapters import demo_bot, telegram, whatsapp
from channels_adapters import services as adapter_services
from handoffs import services
from handoffs.models import Conversation, Handoff, Message
from handoffs.services import csat
from tests.deliveries import deliver_due
from tests.factories import ConversationFactory, MembershipFactory

from .conftest import SEND_PATH

pytestmark = pytest.mark.django_db


def resolve_with_csat(conversation, capture):
    bot = conversation.bot
    bot.csat_enabled = True
    bot.save()
    agent = MembershipFactory(workspace=bot.workspace).user
    with capture(execute=True):
        handoff, _ = services.handoff_request(conversation=conversation)
        services.handoff_assign(handoff=handoff, agent=agent)
        services.handoff_resolve(handoff=handoff, actor=agent)
    return handoff


def test_messenger_gets_the_question_with_five_quick_replies(
    graph, messenger_conversation, django_capture_on_commit_callbacks
):
    graph.expect_request(SEND_PATH, method="POST").respond_with_json({"message_id": "mid.1"})

    resolve_with_csat(messenger_conversation, django_capture_on_commit_callbacks)
    deliver_due(passes=4)

    bodies = [json.loads(request.get_data()) for request, _ in graph.log]
    question = next(b for b in bodies if "quick_replies" in b["message"])
    assert question["message"]["text"].startswith("How would you rate")
    assert [(q["title"], q["payload"]) for q in question["message"]["quick_replies"]] == [
        (str(n), f"csat:{n}") for n in range(1, 6)
    ]


def test_the_answer_is_not_posted_to_the_bot(bot, httpserver, django_capture_on_commit_callbacks):
    bot.bot_webhook_url = httpserver.url_for("/bot")
    bot.save()
    httpserver.expect_request("/bot", method="POST").respond_with_data("ok")
    first = adapter_services.inbound_receive(bot=bot, channel="web", user_id="v-1", text="hi")
    handoff = resolve_with_csat(first.message.conversation, django_capture_on_commit_callbacks)
    deliver_due(passes=3)
    before = len(httpserver.log)

    received = adapter_services.inbound_receive(
        bot=bot,
        channel="web",
        user_id="v-1",
        text="5",
        payload={"type": "quick_reply", "value": "csat:5"},
    )
    deliver_due(passes=3)

    assert received.routed_to == "csat"
    assert Handoff.objects.get(pk=handoff.pk).csat_score == 5
    sent = [json.loads(request.get_data()) for request, _ in httpserver.log[before:]]
    assert [body for body in sent if body.get("type") == "message"] == []


def test_the_api_channel_answers_routed_to_csat(
    client, bot, workspace, django_capture_on_commit_callbacks
):
    _, key = api_token_create(workspace=workspace, name="t")
    headers = {"Authorization": f"Bearer {key}"}
    url = f"/api/v1/bots/{bot.bot_id}/channels/api/messages"
    first = client.post(
        url, {"userId": "u-9", "text": "hello"}, content_type="application/json", headers=headers
    )
    conversation = Conversation.objects.get(pk=first.json()["message"]["conversationId"])
    handoff = resolve_with_csat(conversation, django_capture_on_commit_callbacks)

    response = client.post(
        url, {"userId": "u-9", "text": "4"}, content_type="application/json", headers=headers
    )

    assert response.json()["routedTo"] == "csat"
    assert Handoff.objects.get(pk=handoff.pk).csat_score == 4


def test_the_demo_bot_leaves_the_rating_to_hitl(conversation):
    conversation.bot.csat_enabled = True
    conversation.bot.save()

    demo_bot.on_exit(conversation=conversation, exit_type="handoffResolved", agent_name="Sam")

    assert not conversation.messages.exists()


def test_whatsapp_and_telegram_carry_the_five_choices(bot):
    """WhatsApp: over three reply buttons, a list (up to 10 rows) whose chosen row comes back
    as a `list_reply` with its `id` (Meta's WhatsApp Cloud API docs, "Interactive list
    messages"); Telegram: an inline keyboard whose pressed button comes back as a
    callback_query's `data` (Bot API, InlineKeyboardButton.callback_data). The adapters turn
    both into the payload's `value`, which csat.py reads."""
    handoff = Handoff.objects.create(
        bot=bot, conversation=ConversationFactory(end_user__bot=bot), status="resolved"
    )
    question = Message(
        conversation=handoff.conversation,
        direction="system",
        text="How would you rate the help you received?",
        payload=csat.question_payload(handoff),
    )

    (body,) = whatsapp.message_bodies(question, templates={})
    rows = body["interactive"]["action"]["sections"][0]["rows"]
    assert body["interactive"]["body"]["text"] == question.text
    assert [(r["id"], r["title"]) for r in rows] == [(f"csat:{n}", str(n)) for n in range(1, 6)]

    ((method, call),) = telegram.api_requests(question)
    keyboard = call["reply_markup"]["inline_keyboard"]
    assert method == "sendMessage"
    assert [row[0]["callback_data"] for row in keyboard] == [f"csat:{n}" for n in range(1, 6)]
