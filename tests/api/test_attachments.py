"""An agent sends a file: checked by its content and size, stored, sent with an unguessable
link the user's channel fetches, and passed to bots in the message's payload and webhooks."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from handoffs.models import Attachment, Message, WebhookEndpoint
from handoffs.services.delivery_engine import deliveries_deliver_due

from .conftest import api_url

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def picture(kind: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, kind)
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()]


def send(client, conversation, file, text: str = ""):
    return client.post(
        api_url(conversation.bot, f"mod/hitlnext/conversations/{conversation.pk}/attachments"),
        {"file": file, "text": text},
        format="multipart",
    )


def test_the_assigned_agent_sends_a_picture(
    agent_client, anon_client, assigned_handoff, conversation, media
):
    data = picture()

    response = send(agent_client, conversation, upload("receipt.png", data, "image/png"), "Here")

    assert response.status_code == 201
    body = response.json()
    assert body["text"] == "Here"
    assert body["direction"] == "agent"
    payload = body["payload"]
    url = payload["url"]
    assert url.startswith("http://testserver/files/")
    assert url.endswith("/receipt.png")
    assert payload["type"] == "image"
    assert payload["image"] == url
    assert payload["attachments"] == [
        {
            "type": "image",
            "url": url,
            "name": "receipt.png",
            "mimeType": "image/png",
            "size": len(data),
        }
    ]
    fetched = anon_client.get(url.removeprefix("http://testserver"))
    assert fetched.status_code == 200
    assert fetched["Content-Type"] == "image/png"
    assert fetched["X-Content-Type-Options"] == "nosniff"
    assert b"".join(fetched.streaming_content) == data
    # Link previews and some channels' fetchers ask first.
    assert anon_client.head(url.removeprefix("http://testserver")).status_code == 200
    assert len(stored_files(media)) == 1


def test_a_pdf_downloads_rather_than_opens(
    agent_client, anon_client, assigned_handoff, conversation
):
    response = send(agent_client, conversation, upload("invoice.pdf", PDF, "application/pdf"))

    assert response.status_code == 201
    payload = response.json()["payload"]
    assert payload["type"] == "file"
    assert payload["file"] == payload["url"]
    fetched = anon_client.get(payload["url"].removeprefix("http://testserver"))
    assert fetched["Content-Type"] == "application/pdf"
    assert fetched["Content-Disposition"].startswith("attachment;")


def test_the_link_is_unguessable(agent_client, anon_client, assigned_handoff, conversation):
    url = send(agent_client, conversation, upload("a.png", picture(), "image/png")).json()[
        "payload"
    ]["url"]
    token = Attachment.objects.get().token

    assert len(token) >= 40
    assert (
        anon_client.get(
            url.removeprefix("http://testserver").replace(token, "x" * len(token))
        ).status_code
        == 404
    )
    assert anon_client.get(f"/files/{token[:-1]}/a.png").status_code == 404


def test_a_file_too_big_is_413_and_not_stored(
    agent_client, assigned_handoff, conversation, settings, media
):
    settings.AGENT_UPLOAD_MAX_BYTES = 100

    response = send(
        agent_client, conversation, upload("big.pdf", PDF + b" " * 100, "application/pdf")
    )

    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert "100 bytes" in response.json()["message"]
    assert stored_files(media) == []
    assert not Message.objects.filter(direction="agent").exists()


def test_a_body_far_too_big_is_refused_before_parsing(
    agent_client, assigned_handoff, conversation, settings, media, monkeypatch
):
    settings.AGENT_UPLOAD_MAX_BYTES = 1000
    monkeypatch.setattr("handoffs.services.attachment_send", None)  # never reached

    response = send(
        agent_client, conversation, upload("big.pdf", PDF + b" " * 70_000, "application/pdf")
    )

    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert stored_files(media) == []


def test_a_type_not_allowed_is_415(agent_client, assigned_handoff, conversation, settings, media):
    settings.AGENT_UPLOAD_TYPES = ["image/png"]

    response = send(agent_client, conversation, upload("invoice.pdf", PDF, "application/pdf"))

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_file_type"
    assert "image/png" in response.json()["message"]
    assert stored_files(media) == []


@pytest.mark.parametrize(
    "name, data, content_type",
    [
        ("cat.png", b"<script>alert(document.cookie)</script>", "image/png"),
        ("cat.jpg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "image/jpeg"),
        ("page.html", b"<html><script>alert(1)</script></html>", "text/html"),
        ("run.sh", b"#!/bin/sh\nrm -rf /\n", "application/octet-stream"),
    ],
)
def test_a_script_is_refused_whatever_its_name(
    name, data, content_type, agent_client, assigned_handoff, conversation, media
):
    response = send(agent_client, conversation, upload(name, data, content_type))

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_file_type"
    assert stored_files(media) == []
    assert not Attachment.objects.exists()


def test_a_file_whose_name_lies_about_its_type_is_415(
    agent_client, assigned_handoff, conversation, media
):
    response = send(agent_client, conversation, upload("photo.png", PDF, "image/png"))

    assert response.status_code == 415
    assert response.json()["code"] == "file_type_mismatch"
    assert stored_files(media) == []


def test_a_picture_header_on_something_else_is_422(
    agent_client, assigned_handoff, conversation, media
):
    forged = b"\x89PNG\r\n\x1a\n" + b"<script>alert(1)</script>" * 4

    response = send(agent_client, conversation, upload("x.png", forged, "image/png"))

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_image"
    assert stored_files(media) == []


def test_without_a_file_is_422(agent_client, assigned_handoff, conversation):
    response = agent_client.post(
        api_url(conversation.bot, f"mod/hitlnext/conversations/{conversation.pk}/attachments"),
        {"text": "no file"},
        format="multipart",
    )

    assert response.status_code == 422
    assert response.json()["code"] == "file_required"


def test_another_agent_cannot_send_and_nothing_is_stored(
    other_agent_client, assigned_handoff, conversation, media
):
    response = send(other_agent_client, conversation, upload("a.png", picture(), "image/png"))

    assert response.status_code == 403
    assert response.json()["code"] == "not_assigned_agent"
    assert stored_files(media) == []
    assert not Attachment.objects.exists()


def test_a_token_cannot_send_as_an_agent(token_client, assigned_handoff, conversation, media):
    response = send(token_client, conversation, upload("a.png", picture(), "image/png"))

    assert response.status_code == 403
    assert response.json()["code"] == "agent_required"


def test_another_workspaces_agent_gets_404(agent_client, foreign_bot, media):
    from tests.factories import ConversationFactory

    foreign = ConversationFactory(end_user__bot=foreign_bot)

    response = send(agent_client, foreign, upload("a.png", picture(), "image/png"))

    assert response.status_code == 404
    assert stored_files(media) == []


def test_bots_get_the_file_in_the_payload_and_the_webhook(
    agent_client, token_client, assigned_handoff, conversation, workspace, httpserver
):
    WebhookEndpoint.objects.create(
        workspace=workspace, url=httpserver.url_for("/hook"), event_types=["message.created"]
    )
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")

    sent = send(agent_client, conversation, upload("a.jpg", picture("JPEG"), "image/jpeg"))
    deliveries_deliver_due()

    url = sent.json()["payload"]["url"]
    history = token_client.get(
        api_url(conversation.bot, f"mod/hitlnext/conversations/{conversation.pk}/messages")
    ).json()
    assert history[-1]["payload"]["url"] == url
    hooked = [json.loads(request.data) for request, _ in httpserver.log]
    assert hooked[-1]["payload"]["payload"]["url"] == url
    assert hooked[-1]["payload"]["payload"]["attachments"][0]["mimeType"] == "image/jpeg"


def test_erasing_the_message_deletes_the_file(
    agent_client, assigned_handoff, conversation, media, django_capture_on_commit_callbacks
):
    send(agent_client, conversation, upload("a.png", picture(), "image/png"))

    with django_capture_on_commit_callbacks(execute=True):
        Message.objects.filter(direction="agent").delete()

    assert stored_files(media) == []
