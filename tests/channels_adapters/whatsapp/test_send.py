"""WhatsApp out, on a local fake Graph server: texts, media by link, reply buttons and lists,
templates, retries, the 24-hour customer-service window, and the file a user sent.

Follows Meta's WhatsApp Cloud API references: "Messages" (POST /<phone number id>/messages with
messaging_product whatsapp, `to`, and a text / image / document / interactive / template object;
the answer's messages[0].id is the wamid the statuses name), "Send interactive reply buttons"
(at most 3 buttons, titles of 20) and "list messages" (10 rows), "Customer service windows"
(free-form messages only within 24 hours of the user's last message, templates at any time)
and "Media" (GET /<media id> gives a URL that itself needs the access token).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from pytest_httpserver import HTTPServer

from channels_adapters.models import WhatsAppMedia, WhatsAppSentMessage
from handoffs import services
from handoffs.models import Delivery, Message
from tests.deliveries import deliver_due

from .conftest import (
    PHONE_NUMBER_ID,
    SEND_PATH,
    USER,
    wa_body,
    wa_message,
    wa_post,
)

pytestmark = pytest.mark.django_db

ACCEPTED = {
    "messaging_product": "whatsapp",
    "contacts": [{"input": USER, "wa_id": USER}],
    "messages": [{"id": "wamid.OUT1"}],
}


def bot_says(capture, conversation, text: str = "Hello", *, passes: int = 1, **kwargs) -> Message:
    with capture(execute=True):
        message = services.message_send_bot(conversation=conversation, text=text, **kwargs)
    deliver_due(passes=passes)
    message.refresh_from_db()
    return message


def sent_bodies(server: HTTPServer) -> list[dict]:
    return [json.loads(request.get_data()) for request, _ in server.log]


def user_wrote(conversation, *, ago: timedelta = timedelta(minutes=5)) -> None:
    message = services.message_ingest(
        bot=conversation.bot, channel="whatsapp", user_id=USER, text="help"
    ).message
    Message.objects.filter(pk=message.pk).update(created_at=message.created_at - ago)


def test_text_goes_out_with_the_token_and_waits_for_metas_news(
    wa_graph, wa_conversation, django_capture_on_commit_callbacks
):
    wa_graph.expect_request(SEND_PATH, method="POST").respond_with_json(ACCEPTED)

    message = bot_says(django_capture_on_commit_callbacks, wa_conversation)

    request, _ = wa_graph.log[0]
    assert request.headers["Authorization"] == "Bearer wa-token"
    assert request.headers["X-Hitl-Delivery"] == str(Delivery.objects.get().delivery_id)
    assert sent_bodies(wa_graph) == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": USER,
            "type": "text",
            "text": {"body": "Hello", "preview_url": False},
        }
    ]
    assert Delivery.objects.get().status == "delivered"
    # Meta's 200 says accepted; its `sent` status, not the answer, marks the message sent.
    assert message.delivery_status == "pending"
    assert WhatsAppSentMessage.objects.get().message == message


def test_media_by_link_and_long_texts_in_parts(
    wa_graph, wa_conversation, django_capture_on_commit_callbacks
):
    wa_graph.expect_request(SEND_PATH, method="POST").respond_with_json(ACCEPTED)

    bot_says(
        django_capture_on_commit_callbacks,
        wa_conversation,
        text="a" * 5000,
        payload={"type": "file", "url": "https://cdn.example.com/invoice.pdf"},
    )

    first, second, media = sent_bodies(wa_graph)
    assert len(first["text"]["body"]) == 4096 and len(second["text"]["body"]) == 904
    assert (media["type"], media["document"]) == (
        "document",
        {"link": "https://cdn.example.com/invoice.pdf"},
    )


def test_an_image_by_link(wa_graph, wa_conversation, django_capture_on_commit_callbacks):
    wa_graph.expect_request(SEND_PATH, method="POST").respond_with_json(ACCEPTED)

    bot_says(
        django_capture_on_commit_callbacks,
        wa_conversation,
        text="",
        payload={"type": "image", "url": "https://cdn.example.com/map.png"},
    )

    (body,) = sent_bodies(wa_graph)
    assert (body["type"], body["image"]) == ("image", {"link": "https://cdn.example.com/map.png"})


def test_quick_replies_become_reply_buttons(
    wa_graph, wa_conversation, django_capture_on_commit_callbacks
):
    wa_graph.expect_request(SEND_PATH, method="POST").respond_with_json(ACCEPTED)
    choices = [{"title": "Yes", "value": "Y"}, {"title": "No, thanks a lot really", "value": "N"}]

    bot_says(
        django_capture_on_commit_callbacks,
        wa_conversation,
        text="Did that help?",
        payload={"type": "quick_reply", "choices": choices},
    )

    (body,) = sent_bodies(wa_graph)
    assert body["type"] == "interactive"
    assert body["interactive"] == {
        "type": "button",
        "body": {"text": "Did that help?"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": "Y", "title": "Yes"}},
                {"type": "reply", "reply": {"id": "N", "title": "No, thanks a lot rea"}},
            ]
        },
    }


def test_more_than_three_quick_replies_become_a_list(
    wa_graph, wa_conversation, django_capture_on_commit_callbacks
):
    wa_graph.expect_request(SEND_PATH, method="POST").respond_with_json(ACCEPTED)
    choices = [{"title": f"Option {n}", "value": f"o{n}"} for n in range(12)]

    bot_says(
        django_capture_on_commit_callbacks,
        wa_conversation,
        text="Pick one",
        payload={"type": "quick_reply", "choices": choices},
    )

    (body,) = sent_bodies(wa_graph)
    assert body["interactive"]["type"] == "list"
    rows = body["interactive"]["action"]["sections"][0]["rows"]
    assert len(rows) == 10 and rows[0] == {"id": "o0", "title": "Option 0"}


def test_500_then_success_is_retried(wa_graph, wa_conversation, django_capture_on_commit_callbacks):
    wa_graph.expect_ordered_request(SEND_PATH, method="POST").respond_with_data("busy", status=500)
    wa_graph.expect_ordered_request(SEND_PATH, method="POST").respond_with_json(ACCEPTED)

    message = bot_says(django_capture_on_commit_callbacks, wa_conversation, passes=2)

    assert len(wa_graph.log) == 2
    assert Delivery.objects.get().status == "delivered"
    assert WhatsAppSentMessage.objects.filter(message=message).exists()
    wa_graph.check_assertions()


def test_429_is_retried_then_given_up_and_shown(
    wa_graph, wa_conversation, django_capture_on_commit_callbacks
):
    wa_graph.expect_request(SEND_PATH, method="POST").respond_with_json(
        {"error": {"message": "(#130429) Rate limit hit", "code": 130429}}, status=429
    )

    message = bot_says(django_capture_on_commit_callbacks, wa_conversation, passes=4)

    assert len(wa_graph.log) == 3
    assert message.delivery_status == "failed"
    assert message.delivery_error == "WhatsApp Cloud API answered 429."


def test_refusal_is_not_retried_and_says_why(
    wa_graph, wa_conversation, django_capture_on_commit_callbacks
):
    wa_graph.expect_request(SEND_PATH, method="POST").respond_with_json(
        {"error": {"message": "(#131030) Recipient phone number not in allowed list"}}, status=400
    )

    message = bot_says(django_capture_on_commit_callbacks, wa_conversation)

    assert len(wa_graph.log) == 1
    assert message.delivery_status == "failed"
    assert "not in allowed list" in message.delivery_error


# --- the 24-hour window ----------------------------------------------------------------------


@pytest.fixture
def agent_holds(wa_conversation, agent):
    handoff, _ = services.handoff_request(conversation=wa_conversation)
    services.agent_set_online(membership=agent.memberships.get(), online=True)
    services.handoff_assign(handoff=handoff, agent=agent)
    return wa_conversation


def agent_api(client, agent, conversation, body: dict):
    client.force_login(agent)
    return client.post(
        f"/api/v1/bots/{conversation.bot.bot_id}/mod/hitlnext/conversations/"
        f"{conversation.pk}/messages",
        data=json.dumps(body),
        content_type="application/json",
    )


def test_agent_reply_within_24_hours_goes_out(client, agent, agent_holds):
    user_wrote(agent_holds, ago=timedelta(hours=23))

    response = agent_api(client, agent, agent_holds, {"text": "Here to help"})

    assert response.status_code == 201
    assert Message.objects.get(direction="agent").delivery_status == "pending"


def test_free_form_reply_after_24_hours_is_refused_before_anything_is_stored(
    client, agent, agent_holds
):
    user_wrote(agent_holds, ago=timedelta(hours=25))
    deliveries = Delivery.objects.count()

    response = agent_api(client, agent, agent_holds, {"text": "Are you still there?"})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "whatsapp_window_closed"
    assert "template" in body["message"]
    assert body["templates"] == ["order_update", "hello_again"]
    assert not Message.objects.filter(direction="agent").exists()
    assert Delivery.objects.count() == deliveries


def test_a_configured_template_goes_out_after_24_hours(
    client, agent, agent_holds, wa_graph, django_capture_on_commit_callbacks
):
    user_wrote(agent_holds, ago=timedelta(days=3))
    wa_graph.expect_request(SEND_PATH, method="POST").respond_with_json(ACCEPTED)

    with django_capture_on_commit_callbacks(execute=True):
        response = agent_api(
            client,
            agent,
            agent_holds,
            {"text": "hello_again", "payload": {"type": "template", "template": "hello_again"}},
        )
    deliver_due()

    assert response.status_code == 201
    body = sent_bodies(wa_graph)[-1]
    assert body["type"] == "template"
    assert body["template"] == {"name": "hello_again", "language": {"code": "fr"}}


def test_a_template_the_bot_does_not_have_is_refused(client, agent, agent_holds):
    user_wrote(agent_holds)

    response = agent_api(
        client, agent, agent_holds, {"payload": {"type": "template", "template": "promo"}}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "unknown_template"
    assert not Message.objects.filter(direction="agent").exists()


def test_the_composer_lists_the_templates_to_members_only(
    client, agent, number, other_workspace_agent
):
    url = f"/channels/whatsapp/{number.bot.bot_id}/templates/"
    client.force_login(agent)
    assert client.get(url).json() == {"templates": ["order_update", "hello_again"]}

    client.force_login(other_workspace_agent)
    assert client.get(url).status_code == 404


# --- the files users send -------------------------------------------------------------------


def test_a_users_image_is_fetched_once_and_shown_to_members_only(
    client, agent, number, wa_graph, other_workspace_agent
):
    """GET /<media id> (with phone_number_id) gives the URL, which needs the token too."""
    wa_graph.expect_request("/v23.0/m-img", method="GET").respond_with_json(
        {"url": wa_graph.url_for("/lookaside/m-img"), "mime_type": "image/jpeg", "id": "m-img"}
    )
    wa_graph.expect_request("/lookaside/m-img", method="GET").respond_with_data(
        b"\xff\xd8jpeg", content_type="image/jpeg"
    )
    image = wa_message("image", {"id": "m-img", "mime_type": "image/jpeg"}, wamid="w-img")
    wa_post(client, number.bot.bot_id, wa_body(messages=[image]))
    url = Message.objects.get().payload["attachments"][0]["url"]
    client.force_login(agent)
    assert client.get(url).status_code == 404  # not fetched yet

    deliver_due()
    deliver_due()

    assert [r.headers["Authorization"] for r, _ in wa_graph.log] == ["Bearer wa-token"] * 2
    assert wa_graph.log[0][0].args["phone_number_id"] == PHONE_NUMBER_ID
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == b"\xff\xd8jpeg"
    client.force_login(other_workspace_agent)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("mime_type", ["text/html", "image/svg+xml"])
def test_a_document_is_a_download_never_a_page(client, agent, number, mime_type):
    media = WhatsAppMedia.objects.create(bot=number.bot, media_id="m-doc", mime_type=mime_type)
    media.file.save("x.html", ContentFile(b"<script>alert(1)</script>"))
    client.force_login(agent)

    response = client.get(f"/channels/whatsapp/{number.bot.bot_id}/media/m-doc/")

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_a_file_larger_than_hitl_keeps_is_given_up(client, number, wa_graph, monkeypatch):
    from channels_adapters import whatsapp

    monkeypatch.setattr(whatsapp, "MAX_MEDIA_BYTES", 10)
    wa_graph.expect_request("/v23.0/m-big", method="GET").respond_with_json(
        {"url": wa_graph.url_for("/lookaside/m-big"), "mime_type": "video/mp4"}
    )
    wa_graph.expect_request("/lookaside/m-big", method="GET").respond_with_data(b"x" * 100)
    video = wa_message("video", {"id": "m-big", "mime_type": "video/mp4"}, wamid="w-big")
    wa_post(client, number.bot.bot_id, wa_body(messages=[video]))

    deliver_due()

    fetch = Delivery.objects.get(kind="whatsapp_media")
    assert (fetch.status, fetch.last_error) == ("dead", "The file is larger than hitl keeps.")
    assert not WhatsAppMedia.objects.get().file


def test_an_erased_users_files_are_gone(client, agent, number, django_capture_on_commit_callbacks):
    image = wa_message("image", {"id": "m-1", "mime_type": "image/png"}, wamid="w-1")
    wa_post(client, number.bot.bot_id, wa_body(messages=[image]))
    media = WhatsAppMedia.objects.get()
    media.file.save("p.png", ContentFile(b"png"))
    client.force_login(agent)
    url = f"/channels/whatsapp/{number.bot.bot_id}/media/m-1/"
    assert client.get(url).status_code == 200

    stored = media.file.name

    with django_capture_on_commit_callbacks(execute=True):
        services.end_user_erase(bot=number.bot, user_id=USER, channel="whatsapp", membership=None)

    assert client.get(url).status_code == 404
    assert not media.file.storage.exists(stored)
