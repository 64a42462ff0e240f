"""Searching the queue in a real browser: typing narrows the list to the server's matches by
name, user id or message text, and clearing the box brings the whole queue back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from agents.services import agent_create
from handoffs.models import Handoff, Message
from tests.factories import BotFactory, ConversationFactory

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queue():
    bot = BotFactory(bot_id="acme-support", name="Acme Support")
    sam = agent_create(workspace=bot.workspace, username="sam", password=PASSWORD)
    people = {"user-1": "Ada Lovelace", "user-2": "Grace Hopper", "user-3": "Alan Turing"}
    for external_id, name in people.items():
        conversation = ConversationFactory(
            end_user__bot=bot,
            end_user__external_id=external_id,
            end_user__variables={"fullName": name},
            paused=True,
        )
        Message.objects.create(
            conversation=conversation, direction="incoming", text=f"{name} needs a refund"
        )
        Handoff.objects.create(bot=bot, conversation=conversation)
    return bot, sam


def test_typing_a_name_shows_only_the_matching_handoffs(new_page, queue):
    bot, sam = queue
    page = new_page(sam)
    page.goto(f"/workspace/{bot.bot_id}/")
    rows = page.locator("#handoff-list .handoff")
    expect(rows).to_have_count(3)

    page.locator("#handoff-search").fill("grace")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Grace Hopper")

    page.locator("#handoff-search").fill("refund")
    expect(rows).to_have_count(3)

    page.locator("#handoff-search").fill("nobody here")
    expect(rows).to_have_count(0)
    expect(page.locator("#handoff-empty")).to_be_visible()

    page.locator("#handoff-search").fill("")
    expect(rows).to_have_count(3)
    assert page.js_errors == []
