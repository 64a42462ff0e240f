"""Pages in a browser whose language is French: what the JavaScript writes (the workspace's
live line, a handoff's status, its age, the shortcuts' help; the web chat's status line and a
Spanish visitor's) comes from the catalog of that language."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from agents.services import agent_create
from handoffs.models import Handoff, Message
from tests.factories import BotFactory, ConversationFactory

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def waiting():
    bot = BotFactory(bot_id="acme-support", name="Acme Support")
    sam = agent_create(workspace=bot.workspace, username="sam", password=PASSWORD)
    conversation = ConversationFactory(
        end_user__bot=bot, end_user__variables={"fullName": "Ada Lovelace"}, paused=True
    )
    Message.objects.create(conversation=conversation, direction="incoming", text="Bonjour")
    Handoff.objects.create(bot=bot, conversation=conversation)
    return bot, sam


def test_a_french_browser_sees_the_scripts_words_in_french(new_page, waiting):
    bot, sam = waiting
    page = new_page(sam, locale="fr-FR")
    page.goto(f"/workspace/{bot.bot_id}/")

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    # Written by live.js once the socket is open.
    expect(page.locator("#live-status")).to_have_text("En direct")
    row = page.locator("#handoff-list .handoff")
    # The row as workspace.js draws it: the status badge and the age.
    expect(row.locator("[data-slot=status]")).to_have_text("en attente")
    expect(row.locator("[data-slot=age]")).to_have_text("à l’instant")

    page.keyboard.press("?")
    expect(page.locator("#shortcuts-help")).to_contain_text("Transfert suivant")
    assert page.js_errors == []


def test_an_english_browser_keeps_the_english_words(new_page, waiting):
    bot, sam = waiting
    page = new_page(sam, locale="en-US")
    page.goto(f"/workspace/{bot.bot_id}/")

    expect(page.locator("#live-status")).to_have_text("Live")
    expect(page.locator("#handoff-list .handoff [data-slot=status]")).to_have_text("pending")
    assert page.js_errors == []


@pytest.mark.parametrize(("locale", "connected"), [("fr-FR", "Connecté"), ("es-ES", "Conectado")])
def test_the_web_chat_speaks_the_visitors_language(new_page, locale, connected):
    bot = BotFactory(bot_id="acme-chat")
    page = new_page(locale=locale)
    page.goto(f"/chat/{bot.bot_id}/")

    expect(page.locator("[data-status]")).to_have_text(connected)
    assert page.js_errors == []
