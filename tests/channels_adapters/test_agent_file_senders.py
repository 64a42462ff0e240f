"""An agent's file payload (handoffs/services/attachments.py) is what the WhatsApp and Telegram
senders already send by link: a `document`/`image` with `link` (WhatsApp Cloud API, "Send
media messages": developers.facebook.com/docs/whatsapp/cloud-api/messages/document-messages)
and `sendPhoto`/`sendDocument` with the URL (core.telegram.org/bots/api#sendphoto)."""

from __future__ import annotations

import pytest

from channels_adapters import telegram, whatsapp
from handoffs.models import Message
from handoffs.services.attachments import attachment_payload
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db

URL = "https://hitl.example.com/files/token/receipt.pdf"
PICTURE = "https://hitl.example.com/files/token/map.png"


def message(channel: str, payload: dict) -> Message:
    conversation = ConversationFactory(
        end_user__channel=channel, end_user__external_id="4915112345678", channel=channel
    )
    return Message(conversation=conversation, direction="agent", text="", payload=payload)


def test_whatsapp_sends_a_pdf_as_a_document_by_link():
    payload = attachment_payload(
        url=URL, name="receipt.pdf", content_type="application/pdf", size=10
    )

    (body,) = whatsapp.message_bodies(message("whatsapp", payload), templates={})

    assert body["type"] == "document"
    assert body["document"] == {"link": URL}


def test_telegram_sends_a_picture_with_send_photo():
    payload = attachment_payload(url=PICTURE, name="map.png", content_type="image/png", size=10)

    assert telegram.api_requests(message("telegram", payload)) == [
        ("sendPhoto", {"chat_id": "4915112345678", "photo": PICTURE})
    ]
