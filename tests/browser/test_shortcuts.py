"""Keyboard shortcuts of the workspace in a real browser (issue 24): j/k move through the
queue, a assigns, r resolves, c focuses the composer, t opens the templates, ? lists them all;
none fires while the agent types in a field."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from agents.services import agent_create
from handoffs.models import Handoff
from tests.factories import BotFactory, ConversationFactory, MessageTemplateFactory

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queue():
    bot = BotFactory(bot_id="acme-support", name="Acme Support")
    MessageTemplateFactory(bot=bot, name="hello", text="Hello, how can I help?")
    sam = agent_create(workspace=bot.workspace, username="sam", password=PASSWORD)
    sam.memberships.update(online=True)
    for external_id, name in (("ada", "Ada Lovelace"), ("grace", "Grace Hopper")):
        conversation = ConversationFactory(
            end_user__bot=bot,
            end_user__external_id=external_id,
            end_user__variables={"fullName": name},
        )
        # Written directly: the services' publishing cannot run beside Playwright's loop.
        Handoff.objects.create(bot=bot, conversation=conversation)
    return bot, sam


def current(page):
    return page.locator("#handoff-list button[aria-current='true']")


def test_keys_move_assign_write_and_resolve(new_page, queue):
    bot, sam = queue
    page = new_page(sam)
    page.goto(f"/workspace/{bot.bot_id}/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    expect(page.locator("#handoff-list .handoff")).to_have_count(2)

    page.keyboard.press("j")
    expect(current(page)).to_contain_text("Ada Lovelace")
    page.keyboard.press("j")
    expect(current(page)).to_contain_text("Grace Hopper")
    page.keyboard.press("k")
    expect(current(page)).to_contain_text("Ada Lovelace")
    expect(page).to_have_url(re.compile(r"handoff="))

    page.keyboard.press("a")
    expect(page.get_by_role("button", name="Resolve")).to_be_visible()
    expect(current(page)).to_contain_text("assigned")

    page.keyboard.press("c")
    composer = page.locator("#composer-text")
    expect(composer).to_be_focused()
    # Typing in the composer: the letters are text, not shortcuts.
    page.keyboard.type("jar")
    expect(composer).to_have_value("jar")
    expect(current(page)).to_contain_text("Ada Lovelace")
    expect(page.get_by_role("button", name="Resolve")).to_be_visible()

    composer.fill("")
    # Escape leaves the composer: keys are shortcuts again.
    page.keyboard.press("Escape")
    expect(composer).not_to_be_focused()
    page.keyboard.press("t")
    expect(composer).to_be_focused()
    expect(page.get_by_role("listbox", name="Templates")).to_be_visible()
    templates = page.get_by_role("listbox", name="Templates")
    expect(templates.get_by_role("option")).to_contain_text(":hello")
    # The first Escape closes the template menu, the second leaves the composer.
    page.keyboard.press("Escape")
    expect(page.get_by_role("listbox", name="Templates")).to_be_hidden()
    expect(composer).to_be_focused()
    composer.fill("")
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    # Resolved, it leaves the queue of open handoffs.
    expect(page.get_by_role("button", name="Resolve")).to_be_hidden()
    expect(page.locator("#handoff-list .handoff")).to_have_count(1)
    expect(page.locator("#handoff-list")).not_to_contain_text("Ada Lovelace")
    assert page.js_errors == []


def test_question_mark_lists_the_shortcuts(new_page, queue):
    bot, sam = queue
    page = new_page(sam)
    page.goto(f"/workspace/{bot.bot_id}/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")

    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    for text in ("Next handoff", "Previous handoff", "Assign", "Resolve", "composer", "templates"):
        expect(dialog).to_contain_text(text)
    # While the dialog is open, keys are the dialog's: j does not move the selection.
    page.keyboard.press("j")
    expect(current(page)).to_have_count(0)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.get_by_role("button", name="Keyboard shortcuts").click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def test_no_shortcut_fires_in_the_search_box(new_page, queue):
    bot, sam = queue
    page = new_page(sam)
    page.goto(f"/workspace/{bot.bot_id}/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")

    page.locator("#handoff-search").click()
    page.keyboard.type("jk?")

    expect(page.locator("#handoff-search")).to_have_value("jk?")
    expect(current(page)).to_have_count(0)
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()
