"""Teams and priorities in a real browser: the queue opens on "my teams", the team filter shows
another team's handoffs, an urgent handoff comes first with its badge, and an agent raises a
handoff's priority from the details pane (the badge appears, live)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from agents.models import Team
from agents.services import agent_create
from handoffs.models import Handoff
from tests.factories import BotFactory, ConversationFactory

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def waiting(bot, name: str, **options) -> Handoff:
    conversation = ConversationFactory(
        end_user__bot=bot, end_user__variables={"fullName": name}, paused=True
    )
    return Handoff.objects.create(bot=bot, conversation=conversation, **options)


@pytest.fixture
def routed():
    bot = BotFactory(bot_id="acme-support", name="Acme Support")
    sam = agent_create(workspace=bot.workspace, username="sam", password=PASSWORD)
    sam.memberships.update(online=True)
    billing = Team.objects.create(workspace=bot.workspace, slug="billing", name="Billing")
    sales = Team.objects.create(workspace=bot.workspace, slug="sales", name="Sales")
    billing.members.add(sam.memberships.get())
    waiting(bot, "Ada Lovelace", team=billing)
    waiting(bot, "Grace Hopper", team=sales)
    waiting(bot, "Alan Turing", priority="urgent")
    return bot, sam


def test_the_queue_opens_on_my_teams_and_the_filter_shows_another(new_page, routed):
    bot, sam = routed
    page = new_page(sam)
    page.goto(f"/workspace/{bot.bot_id}/")
    rows = page.locator("#handoff-list .handoff")

    # Mine: billing's, and the one of no team; the urgent one first.
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Alan Turing")
    expect(rows.nth(1)).to_contain_text("Ada Lovelace")
    expect(rows.nth(1)).to_contain_text("Billing")

    page.select_option("#team-filter", "sales")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Grace Hopper")

    page.select_option("#team-filter", "")
    expect(rows).to_have_count(3)
    assert page.js_errors == []


def test_an_urgent_handoff_shows_its_badge_and_the_priority_filter_keeps_it(new_page, routed):
    bot, sam = routed
    page = new_page(sam)
    page.goto(f"/workspace/{bot.bot_id}/")
    rows = page.locator("#handoff-list .handoff")
    expect(rows).to_have_count(2)

    urgent = rows.filter(has_text="Alan Turing").locator("[data-slot=priority]")
    expect(urgent).to_be_visible()
    expect(urgent).to_have_text("urgent")
    expect(rows.filter(has_text="Ada Lovelace").locator("[data-slot=priority]")).to_be_hidden()

    page.select_option("#priority-filter", "urgent")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Alan Turing")
    assert page.js_errors == []


def test_an_agent_raises_the_priority_and_the_badge_shows(new_page, routed):
    bot, sam = routed
    page = new_page(sam)
    page.goto(f"/workspace/{bot.bot_id}/")
    ada = page.locator("#handoff-list .handoff", has_text="Ada Lovelace")
    ada.click()
    expect(page.locator("#priority-select")).to_be_enabled()

    page.select_option("#priority-select", "high")

    badge = ada.locator("[data-slot=priority]")
    expect(badge).to_be_visible()
    expect(badge).to_have_text("high")
    assert (
        Handoff.objects.get(conversation__end_user__variables__fullName="Ada Lovelace").priority
        == "high"
    )
    assert page.js_errors == []


def test_an_online_agent_goes_busy_and_back(new_page, routed):
    bot, sam = routed
    page = new_page(sam)
    page.goto(f"/workspace/{bot.bot_id}/")
    busy = page.locator("#busy-toggle")
    expect(busy).to_be_visible()

    busy.check()
    expect(busy).to_be_checked()
    page.wait_for_function("() => !document.querySelector('#busy-toggle').disabled")
    assert sam.memberships.get().status == "busy"

    busy.uncheck()
    page.wait_for_function("() => !document.querySelector('#busy-toggle').disabled")
    assert sam.memberships.get().status == "online"
    assert page.js_errors == []


def test_moving_a_handoff_to_another_team_takes_it_off_my_teams(new_page, routed):
    bot, sam = routed
    page = new_page(sam)
    page.goto(f"/workspace/{bot.bot_id}/")
    rows = page.locator("#handoff-list .handoff")
    expect(rows).to_have_count(2)
    rows.filter(has_text="Ada Lovelace").click()
    expect(page.locator("#team-form")).to_be_visible()

    page.select_option("#team-select", "sales")
    page.locator("#team-form button").click()

    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Alan Turing")
    expect(page.locator("#team-current")).to_have_text("Team: Sales")
    assert page.js_errors == []


def test_without_teams_there_is_no_team_filter(new_page):
    bot = BotFactory(bot_id="plain-bot", name="Plain Bot")
    sam = agent_create(workspace=bot.workspace, username="sam", password=PASSWORD)
    waiting(bot, "Ada Lovelace")
    page = new_page(sam)
    page.goto(f"/workspace/{bot.bot_id}/")

    expect(page.locator("#handoff-list .handoff")).to_have_count(1)
    expect(page.locator("#team-filter")).to_be_hidden()
    page.locator("#handoff-list .handoff").first.click()
    expect(page.locator("#team-form")).to_be_hidden()
    assert page.js_errors == []
