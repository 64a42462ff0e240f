"""An event too big for a WebSocket frame reaches the page all the same: the socket sends its
stub, the page reads it whole over HTTP and shows it."""

from __future__ import annotations

import httpx
import pytest
from django.test import Client
from playwright.sync_api import expect

from agents.services import agent_create, api_token_create
from handoffs import services
from tests.factories import BotFactory
from tests.servers import Daphne

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def roomy_server():
    # An operator raised the payload cap: a message's event can now pass a frame's 1 MiB.
    server = Daphne({"MAX_PAYLOAD_BYTES": str(2 * 1024 * 1024)}).start()
    yield server
    server.stop()


def test_a_message_too_big_for_a_frame_still_shows(new_page, roomy_server):
    bot = BotFactory(bot_id="acme-support")
    sam = agent_create(workspace=bot.workspace, username="sam", password=PASSWORD)
    _, key = api_token_create(workspace=bot.workspace, name="bot")
    received = services.message_ingest(bot=bot, channel="api", user_id="ada", text="hello")
    handoff, _ = services.handoff_request(conversation=received.message.conversation)
    client = Client()
    client.force_login(sam)
    page = new_page()
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": roomy_server.url,
            }
        ]
    )

    page.goto(f"{roomy_server.url}/workspace/{bot.bot_id}/?handoff={handoff.pk}")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    posted = httpx.post(
        f"{roomy_server.url}/api/v1/bots/{bot.bot_id}/channels/api/messages",
        json={"userId": "ada", "text": "the big one", "payload": {"blob": "x" * 1_100_000}},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    assert posted.status_code == 201, posted.text

    expect(page.locator("#transcript .msg").last).to_contain_text("the big one")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    assert page.js_errors == []
