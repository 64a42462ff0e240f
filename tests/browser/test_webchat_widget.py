"""The web chat widget in a real browser against a live daphne: bot, handoff, agent, rating.

One daphne process serves both sides, so its in-memory channel layer carries the agent's
actions (made through the REST API of the same process) to the visitor's socket.
"""

from __future__ import annotations

import re

import httpx
import pytest
from django.test import Client
from playwright.sync_api import expect

from agents.models import Membership
from agents.services import agent_create
from channels_adapters.models import ConnectorSettings
from handoffs.models import EndUser, Handoff
from tests.factories import BotFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def agent_api(live_url: str, bot_id: str, agent) -> httpx.Client:
    """The agent's session, as the workspace page has it (session cookie plus CSRF pair)."""
    client = Client()
    client.force_login(agent)
    csrf = "x" * 32
    return httpx.Client(
        base_url=f"{live_url}/api/v1/bots/{bot_id}/mod/hitlnext/",
        cookies={"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf},
        headers={"X-CSRFToken": csrf},
        timeout=10,
    )


def test_visitor_talks_to_the_bot_then_an_agent_then_the_bot_again(live_url, new_page, httpserver):
    bot = BotFactory(bot_id="acme-chat", name="Acme", resolve_message={"en": "Glad we could help!"})
    ConnectorSettings.objects.create(bot=bot, demo_bot_enabled=True)
    sam = agent_create(workspace=bot.workspace, username="sam", password=None, display_name="Sam")
    Membership.objects.filter(user=sam).update(online=True)

    with agent_api(live_url, bot.bot_id, sam) as api:
        page = new_page()
        # The customer's site, on another origin (a loopback one: Chromium keeps public pages
        # from loading scripts off loopback addresses).
        widget = f'<script src="{live_url}/static/hitl/widget.js" data-bot-id="acme-chat"></script>'
        httpserver.expect_request("/shop").respond_with_data(
            f"<h1>Shop</h1>{widget}", content_type="text/html"
        )
        page.goto(httpserver.url_for("/shop"))

        page.get_by_role("button", name="Chat with us").click()
        chat = page.frame_locator("iframe.hitl-widget-frame")
        log = chat.locator("[data-log]")
        expect(chat.locator("[data-status]")).to_have_text("Connected")

        def say(text: str) -> None:
            chat.get_by_label("Your message").fill(text)
            chat.get_by_role("button", name="Send").click()

        say("Hello")
        expect(log).to_contain_text("I'm the demo bot")

        say("I want a human")
        expect(log).to_contain_text("You are being transferred to an agent.")

        handoff = Handoff.objects.get(bot=bot)
        response = api.post(f"handoffs/{handoff.pk}/assign")
        assert response.status_code == 200, response.text
        expect(log).to_contain_text("You have been assigned to our agent Sam.")
        expect(log.locator(".webchat__agent-name").first).to_have_text("Sam")

        response = api.post(
            f"conversations/{handoff.conversation_id}/messages", json={"text": "Hi, Sam here!"}
        )
        assert response.status_code == 201, response.text
        agent_line = log.locator(".webchat__message--agent")
        expect(agent_line).to_contain_text("Hi, Sam here!")
        expect(agent_line.locator(".webchat__agent-name")).to_have_text("Sam")

        response = api.post(f"handoffs/{handoff.pk}/resolve")
        assert response.status_code == 200, response.text
        expect(log).to_contain_text("Glad we could help!")
        expect(log).to_contain_text("Sam has closed the conversation.")

        chat.get_by_role("button", name="5", exact=True).click()
        expect(log).to_contain_text("Thank you for your rating: 5/5")

        say("What are your opening hours?")
        expect(log).to_contain_text("Monday to Friday")

        # The order on screen is the order of the conversation, whatever the arrival order.
        lines = [re.sub(r"\s+", " ", t).strip() for t in log.locator("li").all_inner_texts()]
        assert lines.index("Glad we could help!") < next(
            i for i, line in enumerate(lines) if "closed the conversation" in line
        )
        assert page.js_errors == []

    visitor = EndUser.objects.get(bot=bot, channel="web")
    assert visitor.variables["rating"] == 5
