"""A long queue in a real browser: the page holds one page of handoffs, the next ones load as
the agent scrolls, and the filters' counts follow new handoffs live."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from agents.services import agent_create, api_token_create
from handoffs.models import Handoff
from tests.factories import BotFactory, ConversationFactory

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAITING = 120


@pytest.fixture
def long_queue():
    bot = BotFactory(bot_id="acme-support", name="Acme Support")
    sam = agent_create(workspace=bot.workspace, username="sam", password=PASSWORD)
    _, key = api_token_create(workspace=bot.workspace, name="bot")
    for n in range(WAITING):
        conversation = ConversationFactory(
            end_user__bot=bot, end_user__external_id=f"user-{n:03}", paused=True
        )
        Handoff.objects.create(bot=bot, conversation=conversation)
    return bot, sam, key


def test_the_queue_loads_page_by_page_and_counts_live(new_page, live_url, long_queue):
    bot, sam, key = long_queue
    page = new_page(sam)
    page.goto(f"/workspace/{bot.bot_id}/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    rows = page.locator("#handoff-list .handoff")
    unassigned = page.locator("#status-filters label", has_text="Unassigned")

    expect(rows).to_have_count(50)
    expect(unassigned).to_contain_text(f"({WAITING})")
    page.locator("#handoff-more").scroll_into_view_if_needed()
    expect(rows).to_have_count(100)
    page.locator("#handoff-more").scroll_into_view_if_needed()
    expect(rows).to_have_count(WAITING)
    expect(page.locator("#handoff-more")).to_be_hidden()
    expect(rows.last).to_contain_text("user-119")

    with httpx.Client(base_url=f"{live_url}/api/v1/bots/{bot.bot_id}/", timeout=10) as api:
        created = api.post(
            "mod/hitlnext/handoffs",
            json={"userId": "late-comer", "userChannel": "api"},
            headers={"Authorization": f"Bearer {key}"},
        )
    assert created.status_code == 201, created.text

    # Every page is loaded: the newcomer joins the end of the list, and the count follows.
    expect(unassigned).to_contain_text(f"({WAITING + 1})")
    expect(rows).to_have_count(WAITING + 1)
    expect(rows.last).to_contain_text("late-comer")
    assert page.js_errors == []


def test_newest_first_shows_a_new_handoff_at_the_top_of_a_long_queue(
    new_page, live_url, long_queue
):
    bot, sam, key = long_queue
    page = new_page(sam)
    page.goto(f"/workspace/{bot.bot_id}/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    page.locator("#sort").select_option("newest")
    rows = page.locator("#handoff-list .handoff")
    expect(rows.first).to_contain_text("user-119")

    with httpx.Client(base_url=f"{live_url}/api/v1/bots/{bot.bot_id}/", timeout=10) as api:
        api.post(
            "mod/hitlnext/handoffs",
            json={"userId": "late-comer", "userChannel": "api"},
            headers={"Authorization": f"Bearer {key}"},
        )

    expect(rows.first).to_contain_text("late-comer")
    expect(rows).to_have_count(51)
    assert page.js_errors == []
