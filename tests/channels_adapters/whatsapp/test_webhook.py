"""WhatsApp in (Cloud API): subscription check, signatures, every kind of user message, replays,
bad bodies, pause.

Follows Meta's WhatsApp Cloud API references: "Webhooks > Getting started" (GET with hub.mode,
hub.verify_token, hub.challenge; POST signed with X-Hub-Signature-256, the SHA-256 HMAC of the
body with the app secret) and the messages webhook references for text, image, audio, video,
document, location and interactive (button_reply, list_reply) messages
(developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/).
"""

from __future__ import annotations

import json

import pytest

from handoffs import services
from handoffs.models import Conversation, Delivery, Message

from .conftest import (
    USER,
    wa_body,
    wa_message,
    wa_post,
    wa_text,
)

pytestmark = pytest.mark.django_db


def incoming(bot):
    return Message.objects.filter(conversation__bot=bot, direction="incoming").order_by("id")


def test_subscription_echoes_the_challenge(client, number):
    response = client.get(
        f"/channels/whatsapp/{number.bot.bot_id}/",
        {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"},
    )

    assert response.status_code == 200
    assert response.content == b"1158201444"


def test_subscription_with_a_wrong_verify_token_is_forbidden(client, number):
    response = client.get(
        f"/channels/whatsapp/{number.bot.bot_id}/",
        {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"},
    )

    assert response.status_code == 403
    assert b"1158201444" not in response.content


def test_bot_without_a_number_is_404(client, bot):
    response = client.get(f"/channels/whatsapp/{bot.bot_id}/", {"hub.mode": "subscribe"})

    assert response.status_code == 404
    assert response.json()["code"] == "bot_not_found"


def test_text_message_is_stored_for_the_sender(client, number):
    response = wa_post(client, number.bot.bot_id, wa_body(messages=[wa_text("Where is it?")]))

    assert response.status_code == 200
    message = incoming(number.bot).get()
    assert (message.text, message.external_id) == ("Where is it?", "wamid.1")
    assert message.conversation.channel == "whatsapp"
    assert message.conversation.end_user.external_id == USER


def test_the_users_whatsapp_name_becomes_their_full_name_once(client, number):
    wa_post(client, number.bot.bot_id, wa_body(messages=[wa_text("hi", wamid="w-1")]))
    end_user = Message.objects.get().conversation.end_user
    assert end_user.variables == {"fullName": "Ada"}
    services.end_user_update_variables(end_user=end_user, variables={"fullName": "Ada Lovelace"})

    wa_post(client, number.bot.bot_id, wa_body(messages=[wa_text("again", wamid="w-2")]))

    end_user.refresh_from_db()
    assert end_user.variables == {"fullName": "Ada Lovelace"}


def test_wrong_signature_is_refused_and_nothing_stored(client, number):
    response = wa_post(client, number.bot.bot_id, wa_body(messages=[wa_text("hi")]), secret="x")

    assert response.status_code == 403
    assert response.json()["code"] == "invalid_signature"
    assert not Message.objects.exists()


def test_missing_signature_is_refused(client, number):
    response = client.post(
        f"/channels/whatsapp/{number.bot.bot_id}/",
        data=json.dumps(wa_body(messages=[wa_text("hi")])),
        content_type="application/json",
    )

    assert response.status_code == 403
    assert not Message.objects.exists()


def test_replayed_message_is_stored_once(client, number):
    body = wa_body(messages=[wa_text("hi")])

    first = wa_post(client, number.bot.bot_id, body)
    again = wa_post(client, number.bot.bot_id, body)

    assert (first.status_code, again.status_code) == (200, 200)
    assert incoming(number.bot).count() == 1


def test_oversize_body_is_413_and_nothing_stored(client, number):
    body = wa_body(messages=[wa_text("x" * 600_000)])

    response = wa_post(client, number.bot.bot_id, body)

    assert response.status_code == 413
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        [],
        {"object": "page", "entry": []},
        {"object": "whatsapp_business_account", "entry": "x"},
        {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [1]}]},
    ],
    ids=["not-json", "not-an-object", "not-whatsapp", "entry-not-a-list", "change-not-object"],
)
def test_malformed_bodies_are_400(client, number, body):
    response = wa_post(client, number.bot.bot_id, body if isinstance(body, bytes) else body)

    assert response.status_code == 400
    assert not Message.objects.exists()


def test_json_nested_past_the_limit_is_400(client, number):
    """Read depth-bounded (agents.json_input), as every JSON from outside."""
    response = wa_post(client, number.bot.bot_id, b'{"a":' * 5000 + b"1" + b"}" * 5000)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"


def test_a_malformed_message_stores_nothing_of_its_batch(client, number):
    """Read through before anything is stored: the good message beside it is not kept."""
    broken = wa_message("image", {"mime_type": "image/jpeg"}, wamid="wamid.2")  # no media id

    response = wa_post(client, number.bot.bot_id, wa_body(messages=[wa_text("fine"), broken]))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_event"
    assert not Message.objects.exists()


def test_a_media_id_that_is_not_one_is_400(client, number):
    image = wa_message("image", {"id": "../../admin", "mime_type": "image/png"})

    response = wa_post(client, number.bot.bot_id, wa_body(messages=[image]))

    assert response.status_code == 400
    assert not Message.objects.exists()


def test_unknown_kinds_are_ignored_with_200(client, number):
    reaction = wa_message("reaction", {"message_id": "wamid.0", "emoji": "👍"}, wamid="w-r")
    unsupported = wa_message("unsupported", None, wamid="w-u")
    account_update = wa_body(messages=[wa_text("x", wamid="w-a")], field="account_update")

    for body in (wa_body(messages=[reaction, unsupported]), account_update):
        assert wa_post(client, number.bot.bot_id, body).status_code == 200

    assert not Message.objects.exists()


def test_changes_for_another_number_are_ignored(client, number):
    body = wa_body(messages=[wa_text("hi")], phone_number_id="999")

    assert wa_post(client, number.bot.bot_id, body).status_code == 200
    assert not Message.objects.exists()


def test_every_kind_of_user_message_is_stored(client, number):
    """Image, audio, video and document carry a media id (fetched later by a worker); location,
    button and list replies carry what the user picked."""
    bot_id = number.bot.bot_id
    messages = [
        wa_message(
            "image",
            {"id": "m-img", "mime_type": "image/jpeg", "sha256": "h", "caption": "My receipt"},
            wamid="w-img",
        ),
        wa_message(
            "audio", {"id": "m-aud", "mime_type": "audio/ogg", "voice": True}, wamid="w-aud"
        ),
        wa_message("video", {"id": "m-vid", "mime_type": "video/mp4"}, wamid="w-vid"),
        wa_message(
            "document",
            {"id": "m-doc", "mime_type": "application/pdf", "filename": "invoice.pdf"},
            wamid="w-doc",
        ),
        wa_message(
            "location",
            {"latitude": 48.85, "longitude": 2.35, "name": "Shop", "address": "1 Rue X"},
            wamid="w-loc",
        ),
        wa_message(
            "interactive",
            {"type": "button_reply", "button_reply": {"id": "yes-btn", "title": "Yes"}},
            wamid="w-btn",
        ),
        wa_message(
            "interactive",
            {
                "type": "list_reply",
                "list_reply": {"id": "express", "title": "Express", "description": "1 day"},
            },
            wamid="w-list",
        ),
    ]

    response = wa_post(client, bot_id, wa_body(messages=messages))

    assert response.status_code == 200
    stored = {m.external_id: (m.text, m.payload) for m in incoming(number.bot)}

    def media(kind: str, media_id: str, mime: str, **extra: str) -> dict:
        attachment = {
            "type": kind,
            "url": f"/channels/whatsapp/{bot_id}/media/{media_id}/",
            "mediaId": media_id,
            "mimeType": mime,
            **extra,
        }
        return {"type": kind, "attachments": [attachment]}

    assert stored == {
        "w-img": ("My receipt", media("image", "m-img", "image/jpeg")),
        "w-aud": ("", media("audio", "m-aud", "audio/ogg")),
        "w-vid": ("", media("video", "m-vid", "video/mp4")),
        "w-doc": ("", media("file", "m-doc", "application/pdf", filename="invoice.pdf")),
        "w-loc": (
            "Shop, 1 Rue X",
            {
                "type": "location",
                "latitude": 48.85,
                "longitude": 2.35,
                "title": "Shop",
                "address": "1 Rue X",
            },
        ),
        "w-btn": ("Yes", {"type": "quick_reply", "value": "yes-btn"}),
        "w-list": ("Express", {"type": "list_reply", "value": "express"}),
    }
    # One fetch per media file, written with its message.
    fetches = Delivery.objects.filter(kind="whatsapp_media")
    assert fetches.count() == 4


@pytest.mark.parametrize(
    "message",
    [
        wa_text("still there?", wamid="w-p1"),
        wa_message("image", {"id": "m-p2", "mime_type": "image/png"}, wamid="w-p2"),
        wa_message(
            "interactive",
            {"type": "button_reply", "button_reply": {"id": "human", "title": "Human"}},
            wamid="w-p3",
        ),
        wa_message("location", {"latitude": 1.5, "longitude": 2.5}, wamid="w-p4"),
    ],
    ids=["text", "image", "button", "location"],
)
def test_paused_conversation_goes_to_agents_only_whatever_the_type(
    client, number, demo_bot, django_capture_on_commit_callbacks, message
):
    wa_post(client, number.bot.bot_id, wa_body(messages=[wa_text("hi", wamid="w-0")]))
    conversation = Conversation.objects.get(bot=number.bot)
    services.handoff_request(conversation=conversation)
    bot_replies = Message.objects.filter(direction="outgoing").count()

    with django_capture_on_commit_callbacks(execute=True):
        response = wa_post(client, number.bot.bot_id, wa_body(messages=[message]))

    assert response.status_code == 200
    assert incoming(number.bot).filter(external_id=message["id"]).exists()
    assert Message.objects.filter(direction="outgoing").count() == bot_replies


def test_message_in_an_active_conversation_reaches_the_demo_bot(client, number, demo_bot):
    wa_post(client, number.bot.bot_id, wa_body(messages=[wa_text("What are your opening hours?")]))

    reply = Message.objects.get(direction="outgoing")
    assert "Monday to Friday" in reply.text
    assert reply.delivery_status == "pending"  # it goes out through the Cloud API


def test_message_reaches_the_bot_webhook_when_not_paused(client, number):
    number.bot.bot_webhook_url = "https://bot.example.com/hook"
    number.bot.save()

    wa_post(client, number.bot.bot_id, wa_body(messages=[wa_text("hello")]))

    to_bot = Delivery.objects.get(kind="bot")
    assert to_bot.payload["body"]["channel"] == "whatsapp"
    assert to_bot.payload["body"]["userId"] == USER


def test_whatsapp_is_pushed_to_through_its_sender():
    from channels_adapters import whatsapp
    from handoffs import outbound

    assert outbound.sender_for("whatsapp") is whatsapp.send
    assert outbound.kind_for("whatsapp_media").send is whatsapp.fetch_media
