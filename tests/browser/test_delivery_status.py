"""A Messenger user the Graph API will not reach: the agent sees under the message, live, that
it was not delivered and why."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from agents.services import agent_create
from channels_adapters.models import MessengerSettings
from handoffs import services
from tests.factories import BotFactory, ConversationFactory
from tests.servers import daphne, delivery_worker

from .conftest import PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE_ID = "2002"
REFUSAL = "(#551) This person isn't available right now."


@pytest.fixture(scope="module")
def graph(make_httpserver):
    """A fake Graph API that refuses every message, as for a user who blocked the page."""
    make_httpserver.expect_request(f"/v19.0/{PAGE_ID}/messages", method="POST").respond_with_json(
        {"error": {"message": REFUSAL, "code": 551}}, status=400
    )
    yield make_httpserver
    make_httpserver.clear()


@pytest.fixture(scope="module")
def live_url(django_db_setup, graph) -> Iterator[str]:
    # The worker publishes the outcome in its own process: the server's outbox catch-up
    # brings it to the page.
    env = {"MESSENGER_GRAPH_API_URL": graph.url_for("/v19.0"), "HITL_STREAM_CATCHUP_SECONDS": "0.5"}
    with daphne(env) as url, delivery_worker(env):
        yield url


def test_a_refused_message_says_so_under_it(new_page):
    bot = BotFactory(bot_id="shop", name="Shop")
    MessengerSettings.objects.create(
        bot=bot, page_id=PAGE_ID, verify_token="v", app_secret="s", page_access_token="t"
    )
    sam = agent_create(
        workspace=bot.workspace, username="sam", password=PASSWORD, display_name="Sam Carter"
    )
    conversation = ConversationFactory(end_user__bot=bot, end_user__channel="messenger")
    handoff, _ = services.handoff_request(conversation=conversation)
    services.agent_set_online(membership=sam.memberships.get(), online=True)
    services.handoff_assign(handoff=handoff, agent=sam)
    page = new_page(sam)

    page.goto(f"/workspace/{bot.bot_id}/?handoff={handoff.pk}")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    composer = page.get_by_label("Message to the user")
    composer.fill("Your refund is on its way")
    composer.press("Enter")

    sent = page.locator("#transcript .msg--agent", has_text="Your refund is on its way")
    expect(sent).to_have_class("msg msg--agent msg--failed")
    expect(sent.locator("[data-slot=delivery]")).to_have_text(
        f"Not delivered: Graph API refused the message (400): {REFUSAL}"
    )
    screenshot(page, "delivery-failed.png")
    # Drawn the same from the page's own state after a reload.
    page.reload()
    expect(sent.locator("[data-slot=delivery]")).to_contain_text("Not delivered")
    assert page.js_errors == []


def test_late_and_early_news_never_undo_a_delivery(new_page):
    """Events out of order (the outbox catch-up), an update before its message, the POST's
    answer after the socket's news: the transcript keeps id order and the latest outcome."""
    bot = BotFactory(bot_id="shop", name="Shop")
    sam = agent_create(workspace=bot.workspace, username="sam", password=PASSWORD)
    page = new_page(sam)
    page.goto(f"/workspace/{bot.bot_id}/")

    shown = page.evaluate(
        """async () => {
          const { placeMessage } = await import("/static/hitl/messages.js");
          const transcript = document.createElement("ol");
          const m = (id, deliveryStatus, deliveryError = "") => ({
            id, deliveryStatus, deliveryError, direction: "agent", text: `m${id}`,
            type: "text", createdAt: new Date().toISOString(), author: { name: "Sam" },
          });
          placeMessage(transcript, m(5, "pending"), "Ada");
          placeMessage(transcript, m(5, "failed", "refused"), "Ada", { update: true });
          placeMessage(transcript, m(5, "pending"), "Ada");  // the POST's late answer
          placeMessage(transcript, m(7, "sent"), "Ada", { update: true });  // before its created
          placeMessage(transcript, m(7, "pending"), "Ada");
          placeMessage(transcript, m(6, "pending"), "Ada");  // late, by the catch-up
          placeMessage(transcript, m(2, "sent"), "Ada", { update: true });  // older than shown
          return [...transcript.children].map((node) => [
            node.dataset.id,
            node.querySelector("[data-slot=delivery]").textContent,
          ]);
        }"""
    )

    assert shown == [
        ["5", "Not delivered: refused"],
        ["6", "Sending…"],
        ["7", ""],
    ]
    assert page.js_errors == []
