"""CSAT in the browser: an agent resolves a web chat handoff, the visitor is asked for a rating
with five buttons, clicks one, and the agent sees the score in the handoff's details, live."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from agents.services import agent_create
from channels_adapters import services as adapter_services
from handoffs import services
from handoffs.models import Handoff
from tests.factories import BotFactory

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_visitor_rates_and_the_agent_sees_the_score(new_page, live_url):
    bot = BotFactory(bot_id="acme-csat", name="Acme", csat_enabled=True)
    sam = agent_create(
        workspace=bot.workspace, username="sam", password=PASSWORD, display_name="Sam Carter"
    )
    token = adapter_services.web_token_new(bot=bot)
    visitor = adapter_services.web_user_from_token(bot=bot, token=token)
    received = adapter_services.web_receive(bot=bot, user_id=visitor, text="I need a human")
    handoff, _ = services.handoff_request(conversation=received.message.conversation)

    chat = new_page()
    chat.context.add_cookies(
        [{"name": "hitl_chat", "value": token, "url": f"{live_url}/chat/{bot.bot_id}/"}]
    )
    chat.goto(f"/chat/{bot.bot_id}/")
    expect(chat.locator("[data-log]")).to_contain_text("I need a human")

    agent = new_page(sam)
    agent.goto(f"/workspace/{bot.bot_id}/?handoff={handoff.pk}")
    expect(agent.locator("#live-status")).to_have_attribute("data-state", "live")
    agent.locator("label.switch").click()
    expect(agent.get_by_role("switch", name="Online")).to_be_checked()
    agent.get_by_role("button", name="Assign to me").click()
    expect(agent.locator("#conversation-status")).to_have_text("assigned")
    expect(agent.locator("#csat")).to_be_hidden()
    agent.get_by_role("button", name="Resolve").click()
    expect(agent.locator("#conversation-status")).to_have_text("resolved")

    expect(chat.locator("[data-log]")).to_contain_text("How would you rate")
    choices = chat.locator(".webchat__choice")
    expect(choices).to_have_text(["1", "2", "3", "4", "5"])
    choices.filter(has_text="4").click()
    expect(chat.locator("[data-log]")).to_contain_text("Thank you for your feedback!")

    expect(agent.locator("#csat")).to_have_text("Satisfaction: 4/5")
    assert Handoff.objects.get(pk=handoff.pk).csat_score == 4
    assert chat.js_errors == [] and agent.js_errors == []
