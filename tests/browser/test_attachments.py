"""What a user sends besides text reaches the agent: pictures shown, files as links, and
nothing but web addresses made clickable."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from agents.services import agent_create
from handoffs import services
from tests.factories import BotFactory

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PICTURE = "https://cdn.example.com/photos/receipt.png"
# Messenger's pictures come from Facebook's CDN, the only image host the policy allows.
MESSENGER_PICTURE = "https://scontent.xx.fbcdn.net/v/t1.15752-9/receipt.png"
INVOICE = "https://cdn.example.com/files/invoice.pdf"


def test_the_agent_sees_what_the_user_attached(new_page, settings):
    from tests.servers import free_port

    # The handoff's notice to the Messenger user waits for a worker; none runs here.
    settings.MESSENGER_GRAPH_API_URL = f"http://127.0.0.1:{free_port()}/v19.0"
    bot = BotFactory(bot_id="shop", name="Shop")
    sam = agent_create(workspace=bot.workspace, username="sam", password=PASSWORD)
    for payload in (
        {"type": "image", "attachments": [{"type": "image", "url": MESSENGER_PICTURE}]},
        {"type": "file", "attachments": [{"type": "file", "url": INVOICE}]},
        {"type": "file", "attachments": [{"type": "file", "url": "javascript:alert(1)"}]},
    ):
        received = services.message_ingest(
            bot=bot, channel="messenger", user_id="ada", payload=payload
        )
    handoff, _ = services.handoff_request(conversation=received.message.conversation)
    page = new_page(sam)
    page.route(MESSENGER_PICTURE, lambda route: route.fulfill(status=404))

    page.goto(f"/workspace/{bot.bot_id}/?handoff={handoff.pk}")

    incoming = page.locator("#transcript .msg--incoming")
    expect(incoming).to_have_count(3)
    expect(incoming.nth(0).locator("img")).to_have_attribute("src", MESSENGER_PICTURE)
    expect(incoming.nth(1).get_by_role("link", name="Open file")).to_have_attribute("href", INVOICE)
    expect(incoming.nth(2).locator("a")).to_have_count(0)
    expect(incoming.nth(2)).to_contain_text("[file]")
    assert page.js_errors == []


def test_a_picture_from_elsewhere_is_a_link_not_a_fetch(new_page):
    bot = BotFactory(bot_id="shop", name="Shop")
    sam = agent_create(workspace=bot.workspace, username="sam", password=PASSWORD)
    received = services.message_ingest(
        bot=bot,
        channel="web",
        user_id="visitor",
        payload={"type": "image", "attachments": [{"type": "image", "url": PICTURE}]},
    )
    handoff, _ = services.handoff_request(conversation=received.message.conversation)
    page = new_page(sam)
    fetched = []
    page.route(PICTURE, lambda route: (fetched.append(route.request.url), route.abort()))

    page.goto(f"/workspace/{bot.bot_id}/?handoff={handoff.pk}")

    link = page.locator("#transcript .msg--incoming").get_by_role("link", name="Open image")
    expect(link).to_have_attribute("href", PICTURE)
    assert fetched == []
    assert page.js_errors == []
