"""The workspace in the agent's language (issue 24): an agent whose browser asks for English
picks French on the profile page and gets the workspace in French, then Spanish, then the
browser's English again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from agents.services import agent_create
from handoffs.models import Handoff
from tests.factories import BotFactory, ConversationFactory

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk():
    bot = BotFactory(bot_id="acme-support", name="Acme Support")
    sam = agent_create(
        workspace=bot.workspace, username="sam", password=PASSWORD, display_name="Sam Carter"
    )
    conversation = ConversationFactory(
        end_user__bot=bot, end_user__variables={"fullName": "Ada Lovelace"}, paused=True
    )
    # Written directly: the services' publishing cannot run beside Playwright's loop.
    Handoff.objects.create(bot=bot, conversation=conversation)
    return bot, sam


def choose_language(page, label: str, saved: str) -> None:
    page.goto("/accounts/profile/")
    page.locator("#id_language").select_option(label=label)
    page.locator("form.form button[type=submit]").click()
    expect(page.get_by_role("status")).to_contain_text(saved)


def test_the_profile_language_turns_the_workspace_french_then_spanish(new_page, desk):
    bot, sam = desk
    page = new_page(sam)
    page.goto(f"/workspace/{bot.bot_id}/")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert page.evaluate("navigator.language").startswith("en")

    choose_language(page, "Français", "Votre profil est enregistré.")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Votre profil")).to_be_visible()
    page.goto(f"/workspace/{bot.bot_id}/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    expect(page.locator("#handoffs-title")).to_contain_text("Transferts")
    expect(page.locator("#handoff-list")).to_contain_text("Ada Lovelace")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    # Upper case on screen (.badge); the page's script writes it in lower case.
    expect(page.locator("#handoff-list .badge--pending")).to_have_text(
        re.compile("^en attente$", re.I)
    )
    expect(
        page.get_by_placeholder("Rechercher un nom, un identifiant d'utilisateur ou un message")
    ).to_be_visible()

    choose_language(page, "Español", "Su perfil se ha guardado.")
    page.goto(f"/workspace/{bot.bot_id}/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    expect(page.locator("#handoffs-title")).to_contain_text("Traspasos")

    choose_language(page, "Como el navegador", "Your profile is saved.")
    page.goto(f"/workspace/{bot.bot_id}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert page.js_errors == []
