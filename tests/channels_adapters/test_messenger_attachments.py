"""An agent's file and choices reach a Messenger user: the file as an attachment by URL, the
choices as quick replies, on the local fake Graph server.

The Send API's shapes follow Meta's docs: "Send a message with an attachment by URL"
(developers.facebook.com/docs/messenger-platform/send-messages#url: `attachment.type` image or
file, `payload.url`, `is_reusable`) and "Quick Replies"
(developers.facebook.com/docs/messenger-platform/send-messages/quick-replies: `content_type`
text, `title` at most 20 characters, `payload`)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from handoffs import services
from tests.deliveries import deliver_due

from .conftest import SEND_PATH

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_at_messenger(agent, messenger_conversation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        handoff, _ = services.handoff_request(conversation=messenger_conversation)
        services.handoff_assign(handoff=handoff, agent=agent)
    client = APIClient()
    client.force_login(agent)
    return client


def sent_messages(graph) -> list[dict]:
    return [json.loads(request.get_data())["message"] for request, _ in graph.log]


def test_an_agents_picture_goes_as_an_attachment(
    graph,
    agent_at_messenger,
    messenger_conversation,
    django_capture_on_commit_callbacks,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    graph.expect_request(SEND_PATH, method="POST").respond_with_json({"message_id": "mid.1"})
    picture = io.BytesIO()
    Image.new("RGB", (2, 2)).save(picture, "PNG")
    path = f"/api/v1/bots/{messenger_conversation.bot.bot_id}/mod/hitlnext/conversations/"

    with django_capture_on_commit_callbacks(execute=True):
        response = agent_at_messenger.post(
            f"{path}{messenger_conversation.pk}/attachments",
            {
                "file": SimpleUploadedFile("map.png", picture.getvalue(), "image/png"),
                "text": "The way to our shop",
            },
            format="multipart",
        )
    deliver_due()

    assert response.status_code == 201
    url = response.json()["payload"]["url"]
    *_, caption, attachment = sent_messages(graph)
    assert caption == {"text": "The way to our shop"}
    assert attachment == {
        "attachment": {"type": "image", "payload": {"url": url, "is_reusable": True}}
    }


def test_an_agents_choices_go_as_quick_replies(
    graph, agent_at_messenger, messenger_conversation, django_capture_on_commit_callbacks
):
    graph.expect_request(SEND_PATH, method="POST").respond_with_json({"message_id": "mid.1"})
    path = f"/api/v1/bots/{messenger_conversation.bot.bot_id}/mod/hitlnext/conversations/"

    with django_capture_on_commit_callbacks(execute=True):
        response = agent_at_messenger.post(
            f"{path}{messenger_conversation.pk}/messages",
            {
                "text": "Did that help?",
                "payload": {
                    "type": "quick_reply",
                    "choices": [{"title": "Yes", "value": "Yes"}, {"title": "No", "value": "No"}],
                },
            },
            format="json",
        )
    deliver_due()

    assert response.status_code == 201
    assert sent_messages(graph)[-1] == {
        "text": "Did that help?",
        "quick_replies": [
            {"content_type": "text", "title": "Yes", "payload": "Yes"},
            {"content_type": "text", "title": "No", "payload": "No"},
        ],
    }
