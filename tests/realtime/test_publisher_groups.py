"""Which groups an event is published to (handoffs/realtime/publisher.py): the workspace's
always; a conversation's visitor group only for what the web chat's socket shows, a message
of a web-chat conversation; every other PUBLISH there would reach nobody."""

from __future__ import annotations

import pytest

from handoffs import services
from handoffs.models import Event
from handoffs.realtime import publisher
from tests.factories import BotFactory

pytestmark = pytest.mark.django_db


def last_event(type: str) -> Event:
    return Event.objects.filter(type=type).latest("id")


@pytest.fixture
def bot():
    return BotFactory()


def test_a_web_chat_message_goes_to_the_workspace_and_the_visitor(bot):
    received = services.message_ingest(bot=bot, channel="web", user_id="visitor", text="hi")
    event = last_event("message.created")

    assert publisher.groups_for(event) == [
        f"workspace-{bot.workspace_id}",
        f"enduser-{received.message.conversation_id}",
    ]


@pytest.mark.parametrize("channel", ["api", "messenger", "telegram"])
def test_a_message_of_another_channel_goes_to_the_workspace_only(bot, channel):
    services.message_ingest(bot=bot, channel=channel, user_id="someone", text="hi")

    assert publisher.groups_for(last_event("message.created")) == [f"workspace-{bot.workspace_id}"]


def test_other_events_of_a_web_chat_conversation_go_to_the_workspace_only(bot):
    received = services.message_ingest(bot=bot, channel="web", user_id="visitor", text="hi")
    message = received.message
    # A delivery update carries the same representation; the visitor's socket never shows it.
    event = services.event_emit(
        bot=bot,
        type="message.updated",
        resource="message",
        payload=received.representation,
        conversation_id=message.conversation_id,
    )

    assert event.payload["channel"] == "web"
    assert publisher.groups_for(event) == [f"workspace-{bot.workspace_id}"]
