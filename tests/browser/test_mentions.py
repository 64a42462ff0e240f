"""Mentions in the browser: "@sa" in a note offers Sam from a listbox, the note is saved, and
Sam's bell rings live with a link to the handoff."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agents.services import agent_create
from handoffs import services
from handoffs.models import Notification
from tests.factories import BotFactory, ConversationFactory

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_mentioned_agent_is_notified(new_page):
    bot = BotFactory(bot_id="acme-notes", name="Acme")
    sam = agent_create(
        workspace=bot.workspace, username="sam", password=PASSWORD, display_name="Sam Carter"
    )
    kim = agent_create(
        workspace=bot.workspace, username="kim", password=PASSWORD, display_name="Kim Park"
    )
    conversation = ConversationFactory(end_user__bot=bot, end_user__variables={"fullName": "Ada"})
    handoff, _ = services.handoff_request(conversation=conversation)
    Notification.objects.update(read_at=timezone.now())  # the new-handoff ones, read

    sam_page = new_page(sam)
    sam_page.goto(f"/workspace/{bot.bot_id}/")
    expect(sam_page.locator("#live-status")).to_have_attribute("data-state", "live")
    bell = sam_page.locator("#bell-count")
    expect(bell).to_be_hidden()

    kim_page = new_page(kim)
    kim_page.goto(f"/workspace/{bot.bot_id}/?handoff={handoff.pk}")
    note = kim_page.get_by_role("combobox", name="Add a note")
    note.press_sequentially("Please check @sa")
    options = kim_page.get_by_role("listbox", name="Colleagues").get_by_role("option")
    expect(options).to_have_count(1)
    expect(options).to_have_text("Sam Carter @sam")
    expect(note).to_have_attribute("aria-expanded", "true")
    expect(options.first).to_have_attribute("aria-selected", "true")
    note.press("Enter")
    expect(note).to_have_value("Please check @sam ")
    expect(note).to_have_attribute("aria-expanded", "false")
    note.press_sequentially("the refund")
    kim_page.get_by_role("button", name="Add note").click()
    expect(kim_page.locator("#notes .note")).to_contain_text("Please check @sam the refund")

    expect(bell).to_have_text("1")
    sam_page.locator("#bell-button").click()
    item = sam_page.locator("#bell-list .bell-item").first
    expect(item).to_contain_text("Kim Park mentioned you in a note on Ada")
    expect(item.locator("a")).to_have_attribute(
        "href", f"/workspace/{bot.bot_id}/?handoff={handoff.pk}"
    )
    assert not Notification.objects.filter(recipient=kim, kind="mention").exists()
    assert sam_page.js_errors == [] and kim_page.js_errors == []
