"""A long conversation in a real browser: it opens on its newest page, and scrolling up loads
the older ones, the reader's place kept, down to the first message; only a window of pages
stays in the page, and scrolling down brings the newest back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from agents.services import agent_create
from handoffs.models import Handoff, Message
from tests.factories import BotFactory, ConversationFactory

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LENGTH = 260


def _long_conversation(length: int):
    bot = BotFactory(bot_id="acme-support")
    sam = agent_create(workspace=bot.workspace, username="sam", password=PASSWORD)
    conversation = ConversationFactory(end_user__bot=bot, paused=True)
    Message.objects.bulk_create(
        Message(conversation=conversation, direction="incoming", text=f"message {n:03}")
        for n in range(length)
    )
    handoff = Handoff.objects.create(bot=bot, conversation=conversation)
    return bot, sam, handoff


def test_scrolling_up_reaches_the_first_message(new_page):
    bot, sam, handoff = _long_conversation(LENGTH)
    page = new_page(sam)

    page.goto(f"/workspace/{bot.bot_id}/?handoff={handoff.pk}")
    messages = page.locator("#transcript .msg")
    expect(messages.last).to_contain_text(f"message {LENGTH - 1:03}")
    expect(messages).to_have_count(100)
    for loaded in (200, LENGTH):
        page.locator("#transcript").evaluate("list => { list.scrollTop = 0; }")
        expect(messages).to_have_count(loaded)
        # What the reader was looking at stays on screen: the view is not thrown to the top.
        assert page.locator("#transcript").evaluate("list => list.scrollTop") > 0

    expect(messages.first).to_contain_text("message 000")
    assert page.js_errors == []


def test_only_a_window_of_pages_stays_and_scrolling_down_brings_the_newest_back(new_page):
    bot, sam, handoff = _long_conversation(720)
    page = new_page(sam)
    transcript = page.locator("#transcript")
    messages = page.locator("#transcript .msg")

    page.goto(f"/workspace/{bot.bot_id}/?handoff={handoff.pk}")
    expect(messages.last).to_contain_text("message 719")
    for first in ("message 520", "message 420", "message 320", "message 220", "message 120"):
        transcript.evaluate("list => { list.scrollTop = 0; }")
        expect(messages.first).to_contain_text(first)
    transcript.evaluate("list => { list.scrollTop = 0; }")
    expect(messages.first).to_contain_text("message 020")
    # Five pages of 100 at most: the newest left the page as the older came in.
    expect(messages).to_have_count(500)
    expect(messages.last).to_contain_text("message 519")
    transcript.evaluate("list => { list.scrollTop = 0; }")
    expect(messages.first).to_contain_text("message 000")
    expect(messages.last).to_contain_text("message 499")

    for last in ("message 599", "message 699", "message 719"):
        transcript.evaluate("list => { list.scrollTop = list.scrollHeight; }")
        expect(messages.last).to_contain_text(last)
    expect(messages).to_have_count(500)
    expect(messages.first).to_contain_text("message 220")
    assert page.js_errors == []
