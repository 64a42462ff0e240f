"""The two menus a trigger character opens under a textarea (static/hitl/word_menu.js): the
composer's templates behind ":" and a note's colleagues behind "@". Their keys, options and
ARIA, and where each one differs: the option ids, the Escape the page still sees, the cap on
the word looked up."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agents.services import agent_create
from handoffs.models import Handoff
from tests.factories import BotFactory, ConversationFactory, MessageTemplateFactory

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every Escape the document hears, and whether a listener before it marked it handled.
RECORD_ESCAPES = """
window.escapes = [];
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") window.escapes.push(event.defaultPrevented);
});
"""
LONG_USERNAME = "sam" + "x" * 42


@pytest.fixture
def page(new_page):
    bot = BotFactory(bot_id="acme-menus", name="Acme")
    MessageTemplateFactory(bot=bot, name="hello", text="Hello, how can I help?")
    MessageTemplateFactory(bot=bot, name="thanks", text="Thank you for waiting.")
    sam = agent_create(
        workspace=bot.workspace, username="sam", password=PASSWORD, display_name="Sam Carter"
    )
    agent_create(
        workspace=bot.workspace, username="samuel", password=PASSWORD, display_name="Samuel Ode"
    )
    agent_create(
        workspace=bot.workspace, username=LONG_USERNAME, password=PASSWORD, display_name="Long"
    )
    conversation = ConversationFactory(end_user__bot=bot, end_user__variables={"fullName": "Ada"})
    # Written directly: the services' publishing cannot run beside Playwright's loop.
    handoff = Handoff.objects.create(
        bot=bot,
        conversation=conversation,
        status=Handoff.Status.ASSIGNED,
        agent=sam,
        assigned_at=timezone.now(),
    )
    page = new_page(sam)
    page.add_init_script(RECORD_ESCAPES)
    page.goto(f"/workspace/{bot.bot_id}/?handoff={handoff.pk}")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    return page


def test_the_template_menu_moves_with_the_arrows_and_inserts_with_tab(page):
    composer = page.get_by_label("Message to the user")
    composer.press_sequentially("Hi :")
    options = page.get_by_role("listbox", name="Templates").get_by_role("option")
    expect(options).to_have_text([":helloHello, how can I help?", ":thanksThank you for waiting."])
    expect(options.first).to_have_attribute("id", "template-option-0")
    expect(composer).to_have_attribute("aria-activedescendant", "template-option-0")
    composer.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(options.first).to_have_attribute("aria-selected", "false")
    expect(composer).to_have_attribute("aria-activedescendant", "template-option-1")
    composer.press("ArrowDown")  # past the last, back to the first
    expect(composer).to_have_attribute("aria-activedescendant", "template-option-0")
    composer.press("ArrowUp")
    composer.press("Tab")
    expect(composer).to_have_value("Hi Thank you for waiting.")
    expect(composer).to_be_focused()
    expect(page.get_by_role("listbox", name="Templates")).to_be_hidden()
    assert composer.get_attribute("aria-activedescendant") is None
    assert page.js_errors == []


def test_a_clicked_template_is_inserted_and_a_time_opens_nothing(page):
    composer = page.get_by_label("Message to the user")
    composer.press_sequentially("at 12:30")
    expect(page.get_by_role("listbox", name="Templates")).to_be_hidden()
    composer.press_sequentially(" :th")
    page.get_by_role("option", name=":thanks").click()
    expect(composer).to_have_value("at 12:30 Thank you for waiting.")
    expect(composer).to_be_focused()
    assert page.js_errors == []


def test_escape_closes_the_template_menu_marked_handled(page):
    composer = page.get_by_label("Message to the user")
    composer.press_sequentially(":he")
    composer.press("Escape")
    expect(page.get_by_role("listbox", name="Templates")).to_be_hidden()
    expect(composer).to_have_value(":he")
    # The document hears it, marked handled: the shortcuts' Escape waits for the next one.
    assert page.evaluate("window.escapes") == [True]
    expect(composer).to_be_focused()
    assert page.js_errors == []


def test_the_mention_menu_is_a_combobox_and_inserts_with_tab(page):
    note = page.get_by_role("combobox", name="Add a note")
    expect(note).to_have_attribute("aria-controls", "note-mentions")
    expect(note).to_have_attribute("aria-autocomplete", "list")
    note.press_sequentially("Ask @sam")
    options = page.get_by_role("listbox", name="Colleagues").get_by_role("option")
    expect(options).to_have_text(
        [f"Long @{LONG_USERNAME}", "Sam Carter @sam", "Samuel Ode @samuel"]
    )
    expect(options.first).to_have_attribute("id", "note-mentions-option-0")
    expect(note).to_have_attribute("aria-activedescendant", "note-mentions-option-0")
    note.press("ArrowUp")  # before the first, round to the last
    expect(note).to_have_attribute("aria-activedescendant", "note-mentions-option-2")
    expect(options.nth(2)).to_have_attribute("aria-selected", "true")
    note.press("Tab")
    expect(note).to_have_value("Ask @samuel ")
    expect(note).to_have_attribute("aria-expanded", "false")
    expect(note).to_be_focused()
    assert page.js_errors == []


def test_escape_closes_the_mention_menu_and_goes_no_further(page):
    note = page.get_by_role("combobox", name="Add a note")
    note.press_sequentially("ada@example @sa")
    expect(page.get_by_role("listbox", name="Colleagues")).to_be_visible()
    note.press("Escape")
    expect(page.get_by_role("listbox", name="Colleagues")).to_be_hidden()
    expect(note).to_have_attribute("aria-expanded", "false")
    assert page.evaluate("window.escapes") == []
    note.press("Escape")
    assert page.evaluate("window.escapes") == [False]
    assert page.js_errors == []


def test_an_address_or_a_word_past_forty_letters_opens_no_mention_menu(page):
    note = page.get_by_role("combobox", name="Add a note")
    colleagues = page.get_by_role("listbox", name="Colleagues")
    note.press_sequentially("ada@sa")
    expect(colleagues).to_be_hidden()
    note.fill("")
    note.press_sequentially("@" + LONG_USERNAME[:40])
    expect(colleagues.get_by_role("option")).to_have_text([f"Long @{LONG_USERNAME}"])
    note.press_sequentially(LONG_USERNAME[40])
    expect(colleagues).to_be_hidden()
    expect(note).to_have_attribute("aria-expanded", "false")
    assert page.js_errors == []
