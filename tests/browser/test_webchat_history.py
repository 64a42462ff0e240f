"""A visitor coming back to a long conversation: the chat opens on its last page, and scrolling
up reads the older messages, down to the first."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from channels_adapters import services as adapter_services
from handoffs.models import Message
from tests.factories import BotFactory, ConversationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LENGTH = 230


def test_scrolling_up_reads_the_whole_conversation(new_page, live_url):
    bot = BotFactory(bot_id="acme-chat")
    token = adapter_services.web_token_new(bot=bot)
    visitor = adapter_services.web_user_from_token(bot=bot, token=token)
    conversation = ConversationFactory(
        end_user__bot=bot, end_user__channel="web", end_user__external_id=visitor, channel="web"
    )
    Message.objects.bulk_create(
        Message(conversation=conversation, direction="incoming", text=f"line {n:03}")
        for n in range(LENGTH)
    )
    page = new_page()
    page.context.add_cookies(
        [{"name": "hitl_chat", "value": token, "url": f"{live_url}/chat/{bot.bot_id}/"}]
    )

    page.goto(f"/chat/{bot.bot_id}/")
    log = page.locator("[data-log]")
    messages = log.locator(".webchat__message")
    expect(messages.last).to_contain_text(f"line {LENGTH - 1:03}")
    expect(messages).to_have_count(100)
    for loaded in (200, LENGTH):
        log.evaluate("log => { log.scrollTop = 0; }")
        expect(messages).to_have_count(loaded)

    expect(messages.first).to_contain_text("line 000")
    assert page.js_errors == []
