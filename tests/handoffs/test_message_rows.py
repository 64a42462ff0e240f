"""A new message's three rows (handoffs/services/message_rows.py): on PostgreSQL one statement,
elsewhere the ORM's three; either way the same rows, the same event, the same response."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from handoffs import services
from handoffs.models import Conversation, Event, Message
from handoffs.representations import MessageRepresentation, to_camel

pytestmark = pytest.mark.django_db


def test_a_users_message_its_conversation_and_its_event_agree(bot):
    received = services.message_ingest(
        bot=bot,
        channel="api",
        user_id="u-1",
        text="Où est ma commande ?",
        payload={"type": "text", "user_key": [1, {"a": None}]},
    )

    conversation = received.message.conversation
    message = Message.objects.get()
    event = Event.objects.get(type="message.created")
    stored = Conversation.objects.get(pk=conversation.pk)
    assert received.message.pk == message.pk
    assert (stored.last_user_message_id, stored.last_message_at) == (
        message.pk,
        message.created_at,
    )
    # The event in the outbox, the one in memory (dispatched at commit) and the API's answer
    # are the message as read back from the database.
    expected = to_camel(MessageRepresentation(message).data)
    assert event.payload == expected
    assert received.representation == expected
    assert (event.conversation_id, event.workspace_id, event.bot_id) == (
        conversation.pk,
        bot.workspace_id,
        bot.pk,
    )


def test_a_bots_reply_moves_only_the_last_message_time(bot):
    first = services.message_ingest(bot=bot, channel="api", user_id="u-1", text="hi")
    reply = services.message_ingest(
        bot=bot, channel="api", user_id="u-1", text="hello", direction="outgoing"
    )

    stored = Conversation.objects.get(pk=first.message.conversation_id)
    assert stored.last_user_message_id == first.message.pk
    assert stored.last_message_at == Message.objects.get(pk=reply.message.pk).created_at


def test_a_known_users_message_is_two_statements_on_postgresql(bot):
    if connection.vendor != "postgresql":
        pytest.skip("one statement for the three rows on PostgreSQL only")
    services.message_ingest(bot=bot, channel="api", user_id="u-1", text="first")
    with CaptureQueriesContext(connection) as captured:
        services.message_ingest(bot=bot, channel="api", user_id="u-1", text="hello")

    # In the test's transaction the message's transaction is a savepoint; outside, a commit.
    statements = [
        query["sql"].split()[0]
        for query in captured.captured_queries
        if "SAVEPOINT" not in query["sql"]
    ]
    assert statements == ["SELECT", "WITH"]
