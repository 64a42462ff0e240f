"""The transcript in the browser (issue 24): an agent downloads the selected conversation as an
HTML file from the handoff's details and from the Conversations view, and e-mails it to the
user whose address the bot knows."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from agents.services import agent_create
from handoffs import services
from handoffs.models import Delivery, Message
from tests.factories import BotFactory, ConversationFactory

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _conversation(bot, *, email: str | None):
    variables = {"fullName": "Ada Lovelace"}
    if email:
        variables["email"] = email
    conversation = ConversationFactory(end_user__bot=bot, end_user__variables=variables)
    Message.objects.create(
        conversation=conversation, direction="incoming", text="Where is my <b>parcel</b>?"
    )
    services.message_send_bot(conversation=conversation, text="Let me find an agent.")
    return conversation


def _downloaded(page, link) -> tuple[str, str]:
    with page.expect_download() as info:
        link.click()
    download = info.value
    with open(download.path(), encoding="utf-8") as file:
        return download.suggested_filename, file.read()


def test_an_agent_downloads_and_emails_the_transcript_of_a_handoff(new_page):
    bot = BotFactory(bot_id="acme-transcript", name="Acme")
    sam = agent_create(
        workspace=bot.workspace, username="sam", password=PASSWORD, display_name="Sam Carter"
    )
    conversation = _conversation(bot, email="ada@example.com")
    handoff, _ = services.handoff_request(conversation=conversation)
    services.note_add(conversation=conversation, author=sam, text="VIP customer, be nice")

    page = new_page(sam)
    page.goto(f"/workspace/{bot.bot_id}/?handoff={handoff.pk}")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")

    name, html = _downloaded(page, page.get_by_role("link", name="Download transcript"))
    assert name.startswith(f"transcript-{conversation.pk}-") and name.endswith(".html")
    assert "Where is my &lt;b&gt;parcel&lt;/b&gt;?" in html
    assert "Let me find an agent." in html
    assert "Handed off to an agent" in html
    assert "VIP customer" not in html

    page.get_by_role("button", name="E-mail transcript to ada@example.com").click()
    expect(page.locator("#transcript-email-sent")).to_have_text(
        "Transcript sent to ada@example.com."
    )
    delivery = Delivery.objects.get(kind=Delivery.Kind.EMAIL)
    assert delivery.payload["to"] == ["ada@example.com"]
    assert page.js_errors == []


def test_without_an_address_there_is_no_email_button(new_page):
    bot = BotFactory(bot_id="acme-no-mail", name="Acme")
    sam = agent_create(workspace=bot.workspace, username="sam", password=PASSWORD)
    conversation = _conversation(bot, email=None)

    page = new_page(sam)
    page.goto(f"/workspace/{bot.bot_id}/conversations/?conversation={conversation.pk}")
    expect(page.get_by_role("link", name="Download transcript")).to_be_visible()
    expect(page.locator("#transcript-email")).to_be_hidden()

    name, html = _downloaded(page, page.get_by_role("link", name="Download transcript"))
    assert name.startswith(f"transcript-{conversation.pk}-")
    assert "Ada Lovelace" in html and "Let me find an agent." in html
    assert page.js_errors == []
