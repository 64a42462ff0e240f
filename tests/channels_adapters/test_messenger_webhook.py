"""Facebook Messenger in: subscription check, signatures, every kind of user message, replays."""

from __future__ import annotations

import json

import pytest

from handoffs import services
from handoffs.models import Conversation, Message

from .conftest import messenger_post, page_event, text_event

pytestmark = pytest.mark.django_db


def incoming(bot):
    return Message.objects.filter(conversation__bot=bot, direction="incoming").order_by("id")


def test_subscription_echoes_the_challenge(client, page):
    response = client.get(
        f"/channels/messenger/{page.bot.bot_id}/",
        {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "12345"},
    )

    assert response.status_code == 200
    assert response.content == b"12345"


def test_subscription_with_a_wrong_verify_token_is_forbidden(client, page):
    response = client.get(
        f"/channels/messenger/{page.bot.bot_id}/",
        {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "12345"},
    )

    assert response.status_code == 403
    assert b"12345" not in response.content


def test_unknown_bot_is_404(client, page):
    response = messenger_post(client, "no-such-bot", page_event(text_event("hi")))

    assert response.status_code == 404
    assert response.json()["code"] == "bot_not_found"


def test_bot_without_a_page_is_404(client, bot):
    response = client.get(f"/channels/messenger/{bot.bot_id}/", {"hub.mode": "subscribe"})

    assert response.status_code == 404


def test_text_message_is_stored_for_the_sender(client, page):
    response = messenger_post(client, page.bot.bot_id, page_event(text_event("Where is my order?")))

    assert response.status_code == 200
    message = incoming(page.bot).get()
    assert message.text == "Where is my order?"
    assert message.external_id == "m-1"
    assert message.conversation.channel == "messenger"
    assert message.conversation.end_user.external_id == "psid-1"


def test_wrong_signature_is_refused_and_nothing_stored(client, page):
    response = messenger_post(
        client, page.bot.bot_id, page_event(text_event("hi")), secret="not-the-secret"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "invalid_signature"
    assert not incoming(page.bot).exists()


def test_missing_signature_is_refused(client, page):
    response = client.post(
        f"/channels/messenger/{page.bot.bot_id}/",
        data=json.dumps(page_event(text_event("hi"))),
        content_type="application/json",
    )

    assert response.status_code == 403
    assert not incoming(page.bot).exists()


def test_replayed_event_is_stored_once(client, page):
    event = page_event(text_event("hi", mid="m-42"))

    first = messenger_post(client, page.bot.bot_id, event)
    again = messenger_post(client, page.bot.bot_id, event)

    assert first.status_code == again.status_code == 200
    assert incoming(page.bot).count() == 1


def test_oversize_body_is_413_and_nothing_stored(client, page):
    event = page_event(text_event("x" * 600_000))

    response = messenger_post(client, page.bot.bot_id, event)

    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
    assert not incoming(page.bot).exists()


def test_signed_but_not_json_is_400(client, page):
    from .conftest import hub_signature

    response = client.post(
        f"/channels/messenger/{page.bot.bot_id}/",
        data=b"{nope",
        content_type="application/json",
        headers={"X-Hub-Signature-256": hub_signature(b"{nope")},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"


def test_attachments_quick_replies_and_postbacks_are_stored(client, page):
    image = text_event("", mid="m-img")
    image["message"] = {
        "mid": "m-img",
        "attachments": [{"type": "image", "payload": {"url": "https://cdn.example/p.jpg"}}],
    }
    quick = text_event("Yes", mid="m-qr")
    quick["message"]["quick_reply"] = {"payload": "YES"}
    postback = {
        "sender": {"id": "psid-1"},
        "recipient": {"id": "1001"},
        "timestamp": 1700000000001,
        "postback": {"title": "Get started", "payload": "START", "mid": "m-pb"},
    }

    response = messenger_post(client, page.bot.bot_id, page_event(image, quick, postback))

    assert response.status_code == 200
    stored = {m.external_id: (m.text, m.payload) for m in incoming(page.bot)}
    assert stored == {
        "m-img": (
            "",
            {
                "type": "image",
                "attachments": [{"type": "image", "url": "https://cdn.example/p.jpg"}],
            },
        ),
        "m-qr": ("Yes", {"type": "quick_reply", "value": "YES"}),
        "m-pb": ("Get started", {"type": "postback", "value": "START"}),
    }


def test_echoes_of_our_own_messages_and_reads_are_ignored(client, page):
    echo = text_event("sent by the page", mid="m-echo")
    echo["message"]["is_echo"] = True
    read = {"sender": {"id": "psid-1"}, "recipient": {"id": "1001"}, "read": {"watermark": 1}}

    response = messenger_post(client, page.bot.bot_id, page_event(echo, read))

    assert response.status_code == 200
    assert not Message.objects.exists()


def test_events_of_another_page_are_ignored(client, page):
    response = messenger_post(
        client, page.bot.bot_id, page_event(text_event("hi"), page_id="other-page")
    )

    assert response.status_code == 200
    assert not Message.objects.exists()


def test_not_a_page_subscription_is_422(client, page):
    response = messenger_post(client, page.bot.bot_id, {"object": "instagram", "entry": []})

    assert response.status_code == 422


@pytest.mark.parametrize(
    "message",
    [
        {"mid": "m-p1", "text": "still there?"},
        {"mid": "m-p2", "attachments": [{"type": "file", "payload": {"url": "https://x/f"}}]},
        {"mid": "m-p3", "text": "human", "quick_reply": {"payload": "HUMAN"}},
    ],
)
def test_paused_conversation_goes_to_agents_only_whatever_the_type(
    client, page, demo_bot, django_capture_on_commit_callbacks, message
):
    messenger_post(client, page.bot.bot_id, page_event(text_event("hi", mid="m-0")))
    conversation = Conversation.objects.get(bot=page.bot)
    services.handoff_request(conversation=conversation)
    bot_replies = Message.objects.filter(direction="outgoing").count()

    event = text_event("", mid=message["mid"])
    event["message"] = message
    with django_capture_on_commit_callbacks(execute=True):
        messenger_post(client, page.bot.bot_id, page_event(event))

    assert incoming(page.bot).filter(external_id=message["mid"]).exists()
    assert Message.objects.filter(direction="outgoing").count() == bot_replies


def test_message_in_an_active_conversation_reaches_the_demo_bot(client, page, demo_bot):
    messenger_post(client, page.bot.bot_id, page_event(text_event("What are your opening hours?")))

    reply = Message.objects.get(direction="outgoing")
    assert "Monday to Friday" in reply.text
