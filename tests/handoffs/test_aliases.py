"""The bot's default_username: anonymous users get a friendly name until they have a real one."""

from __future__ import annotations

import pytest

from handoffs import selectors, services
from handoffs.representations import EndUserRepresentation
from handoffs.services.aliases import friendly_name
from tests.factories import BotFactory

pytestmark = pytest.mark.django_db


def test_a_new_anonymous_user_is_shown_by_a_friendly_name():
    bot = BotFactory(default_username=True)

    received = services.message_ingest(bot=bot, channel="web", user_id="web-x1", text="Hi")
    user = received.message.conversation.end_user

    assert user.display_name == friendly_name("web-x1")
    assert EndUserRepresentation(user).data["name"] == friendly_name("web-x1")
    assert len(user.display_name.split()) == 2
    found = selectors.conversation_list(bots=[bot], query=friendly_name("web-x1").split()[1])
    assert list(found) == [received.message.conversation]


def test_a_real_name_wins_over_the_friendly_one():
    bot = BotFactory(default_username=True)

    received = services.message_ingest(
        bot=bot, channel="api", user_id="u-7", text="Hi", variables={"fullName": "Ada Lovelace"}
    )

    assert received.message.conversation.end_user.display_name == "Ada Lovelace"


def test_without_the_setting_the_user_id_is_the_name():
    bot = BotFactory(default_username=False)

    received = services.message_ingest(bot=bot, channel="web", user_id="web-x1", text="Hi")

    assert received.message.conversation.end_user.display_name == "web-x1"


def test_the_same_id_always_gives_the_same_name():
    assert friendly_name("web-x1") == friendly_name("web-x1")
    assert len({friendly_name(f"web-{n}") for n in range(200)}) > 100
