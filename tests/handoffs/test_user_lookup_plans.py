"""A user's conversation is read through two unique keys, however many users the bot has.

Every user message and every web-chat socket looks its conversation up by (bot, channel, user
id, thread). Joined on the user's id alone, PostgreSQL read every user of every bot: 1 ms a
lookup at 10,000 users; before the tables' first ANALYZE it read the bot's web conversations
up to the user's instead, up to 18 ms (bench/README.md, "10,000 sockets on one process", the
sixth session).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from handoffs import selectors
from handoffs.models import Conversation, EndUser
from tests.factories import BotFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

USERS = 500


@pytest.fixture
def crowd(bot, workspace):
    """USERS web users with a conversation each, and the same users on another bot."""
    for owner in (bot, BotFactory(workspace=workspace)):
        users = EndUser.objects.bulk_create(
            EndUser(bot=owner, channel="web", external_id=f"visitor-{n}") for n in range(USERS)
        )
        Conversation.objects.bulk_create(
            Conversation(bot=owner, channel="web", end_user=user, thread_id="") for user in users
        )
    return bot


def rows_read(lookup: Callable[[], Any]) -> int:
    """Rows of users and conversations the lookup's query read, by the plan PostgreSQL ran."""
    with CaptureQueriesContext(connection) as queries:
        assert lookup() is not None
    (sql,) = [q["sql"] for q in queries.captured_queries if "handoffs_conversation" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        (plan,) = cursor.fetchone()[0]

    def read(node: dict) -> int:
        own = 0
        # The legacy read also joins the bot and the pausing agent: their plans are not this.
        if node.get("Relation Name") in ("handoffs_enduser", "handoffs_conversation"):
            rows = node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
            own = rows * node["Actual Loops"]
        return own + sum(read(child) for child in node.get("Plans", []))

    return read(plan["Plan"])


@pytest.mark.parametrize("reader", ["known_user", "legacy"])
def test_the_last_users_conversation_reads_a_row_or_two(crowd, reader):
    # With the statistics a database of that many users has; before its first ANALYZE the
    # planner may take any index of the bot's conversations.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE handoffs_enduser, handoffs_conversation")
    last = f"visitor-{USERS - 1}"

    def lookup():
        if reader == "known_user":
            return selectors.conversation_of_known_user(
                bot=crowd, channel="web", user_id=last, thread_id=""
            )
        return selectors.conversation_of_user(bot=crowd, channel="web", user_id=last)

    # The user's row (the legacy read joins it again for its profile) and the conversation's:
    # nowhere near USERS.
    assert rows_read(lookup) <= 3
