"""The conversations view in a real browser against a live daphne: an agent pauses the demo bot
for a web chat visitor, talks to them, hands them back to the bot; the bell rings live."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from agents.services import agent_create, api_token_create
from channels_adapters import services as adapter_services
from channels_adapters.models import ConnectorSettings
from handoffs.models import Conversation, Notification
from tests.factories import BotFactory

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHIPPING_ANSWER = "We ship within 2 working days"
HOURS_ANSWER = "Monday to Friday"


@pytest.fixture
def shop():
    bot = BotFactory(bot_id="acme-shop", name="Acme Shop")
    ConnectorSettings.objects.create(bot=bot, demo_bot_enabled=True)
    sam = agent_create(
        workspace=bot.workspace, username="sam", password=None, display_name="Sam Carter"
    )
    _, key = api_token_create(workspace=bot.workspace, name="bot")
    return bot, sam, key


def visitor(live_url: str, bot) -> httpx.Client:
    """An end user of the web chat, posting through its REST fallback (as its page does)."""
    token = adapter_services.web_token_new(bot=bot)
    return httpx.Client(
        base_url=f"{live_url}/chat/{bot.bot_id}/",
        headers={"X-Hitl-Chat-Token": token},
        timeout=10,
    )


def say(chat: httpx.Client, text: str) -> None:
    response = chat.post("messages/", json={"text": text})
    assert response.status_code == 201, response.text


def texts(api: httpx.Client, conversation_id: int) -> list[tuple[str, str]]:
    """The transcript as the API serves it: (direction, text), oldest first."""
    response = api.get(f"mod/hitlnext/conversations/{conversation_id}/messages?limit=50")
    assert response.status_code == 200, response.text
    return [(m["direction"], m["text"]) for m in response.json()]


def test_agent_pauses_talks_and_hands_back_while_the_bell_rings(live_url, new_page, shop):
    bot, sam, key = shop
    api = httpx.Client(
        base_url=f"{live_url}/api/v1/bots/{bot.bot_id}/",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    with visitor(live_url, bot) as chat, api:
        say(chat, "Hello")  # the demo bot answers at once, in the same request
        conversation = Conversation.objects.get(bot=bot)

        page = new_page(sam)
        page.goto("/workspace/conversations/")
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
        row = page.locator(f'.conv[data-id="{conversation.pk}"]')
        expect(row).to_contain_text("Bot: Hi! I'm the demo bot")
        expect(row.locator("[data-slot=status]")).to_have_text("Bot")
        row.locator("button").click()
        transcript = page.locator("#transcript")
        expect(transcript.locator(".msg--incoming")).to_contain_text("Hello")
        expect(page.locator("#composer-off")).to_have_text("Pause the bot to write to the user.")

        # Pause from the view: the legacy REST path, the same service as a bot's call.
        page.locator("label.switch").click()
        expect(page.get_by_role("switch", name="Pause the bot")).to_be_checked()
        expect(page.locator("#conversation-status")).to_have_text("Paused by Sam Carter")
        expect(row.locator("[data-slot=status]")).to_have_text("Paused by Sam Carter")

        composer = page.get_by_label("Message to the user")
        composer.fill("Hi, Sam here. Where should we ship your order?")
        composer.press("Enter")
        expect(transcript.locator(".msg--agent")).to_contain_text("Sam here")
        expect(composer).to_have_value("")

        # The user answers while paused: the agent sees it live, the bot says nothing.
        say(chat, "Do you ship to Canada?")
        expect(transcript.locator(".msg--incoming [data-slot=text]").last).to_have_text(
            "Do you ship to Canada?"
        )
        assert texts(api, conversation.pk)[-2:] == [
            ("agent", "Hi, Sam here. Where should we ship your order?"),
            ("incoming", "Do you ship to Canada?"),
        ]
        screenshot(page, "conversations-paused.png")

        # Unpause: the user is the bot's again, and the bot answers the next message.
        page.locator("label.switch").click()
        expect(page.get_by_role("switch", name="Pause the bot")).not_to_be_checked()
        expect(page.locator("#conversation-status")).to_have_text("Bot")
        say(chat, "What are your opening hours?")
        expect(transcript.locator(".msg--outgoing").last).to_contain_text(HOURS_ANSWER)
        transcript_now = texts(api, conversation.pk)
        assert transcript_now[-1][0] == "outgoing"
        assert not any(SHIPPING_ANSWER in text for _, text in transcript_now)

        # A bot asks for a human elsewhere: the bell rings and the new conversation shows up.
        bell = page.locator("#bell-count")
        expect(bell).to_be_hidden()
        response = api.post("mod/hitlnext/handoffs", json={"userId": "ada-7", "userChannel": "api"})
        assert response.status_code == 201, response.text
        expect(bell).to_have_text("1")
        expect(page.locator(".conv").first).to_contain_text("ada-7")
        expect(page.locator(".conv").first.locator("[data-slot=status]")).to_have_text(
            "Waiting for an agent"
        )

        page.locator("#bell-button").click()
        item = page.locator("#bell-list .bell-item").first
        expect(item).to_contain_text("New handoff: ada-7 is waiting for an agent.")
        screenshot(page, "conversations-bell.png")
        page.get_by_role("button", name="Mark all read").click()
        expect(bell).to_be_hidden()

    notification = Notification.objects.get(recipient=sam)
    assert notification.read_at is not None
    assert page.js_errors == []
