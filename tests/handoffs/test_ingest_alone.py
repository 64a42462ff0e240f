"""A user's message that writes nothing but its own rows is one statement on PostgreSQL, outside
any transaction (handoffs/services/messages.py `_may_write_alone`); anything more it causes is
written in one transaction with it, as before."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import connection

from handoffs import outbound, services
from handoffs.models import Event, Message, WebhookEndpoint

pytestmark = pytest.mark.django_db(transaction=True)

WRITES = ("INSERT", "UPDATE", "DELETE", "WITH")


@contextmanager
def statements():
    """Each statement's first word and whether a transaction was open around it."""
    seen: list[tuple[str, bool]] = []

    def record(execute, sql, params, many, context):
        seen.append((sql.split()[0].upper(), connection.in_atomic_block))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield seen


def ingest(bot, **fields):
    return services.message_ingest(bot=bot, channel="api", user_id="u-1", **fields)


def test_a_plain_message_of_a_known_user_is_one_statement_without_a_transaction(bot):
    if connection.vendor != "postgresql":
        pytest.skip("the three rows are one statement on PostgreSQL only")
    ingest(bot, text="first")
    with statements() as seen:
        received = ingest(bot, text="second")

    assert seen == [("SELECT", False), ("WITH", False)]
    assert received.routed_to == "bot"
    message = Message.objects.get(pk=received.message.pk)
    assert message.text == "second"
    assert Event.objects.filter(type="message.created", payload__id=message.pk).exists()


def paused(bot):
    conversation = ingest(bot, text="first").message.conversation
    services.conversation_pause(conversation=conversation)
    return {"text": "hello"}


def webhook(bot):
    ingest(bot, text="first")
    WebhookEndpoint.objects.create(workspace=bot.workspace, url="http://127.0.0.1:9/hook")
    return {"text": "hello"}


def known(fields):
    def scene(bot):
        ingest(bot, text="first")
        return fields

    return scene


@pytest.mark.parametrize(
    "scene",
    [
        pytest.param(lambda bot: {"text": "hello"}, id="a new user"),
        pytest.param(paused, id="a paused conversation"),
        pytest.param(webhook, id="a webhook endpoint"),
        pytest.param(known({"text": "5"}), id="a possible rating"),
        pytest.param(known({"text": "hi", "variables": {"fullName": "Ann"}}), id="variables"),
        pytest.param(known({"text": "hi", "external_id": "m-2"}), id="an external id"),
        pytest.param(known({"text": "hi", "direction": "outgoing"}), id="the bot's reply"),
    ],
)
def test_a_message_that_causes_more_writes_them_in_one_transaction(bot, scene):
    fields = scene(bot)
    with statements() as seen:
        ingest(bot, **fields)

    writes = [in_transaction for word, in_transaction in seen if word in WRITES]
    assert writes and all(writes)


def test_no_deriver_writes_for_a_users_message(bot):
    """What lets the plain message skip the transaction: a deriver that recorded something for
    a user's message would need it, and must change `_may_write_alone` first."""
    ingest(bot, text="first")
    event = Event.objects.filter(type="message.created").latest("id")
    for deriver in outbound._derivers:
        with statements() as seen:
            deriver(event, bot)
        assert [word for word, _ in seen if word in WRITES] == [], deriver


def test_the_answer_that_no_webhook_exists_is_read_once(bot, monkeypatch):
    """An endpoint saved between the decision and the write (in another process, or as the
    answer kept in memory expired) gets no delivery written outside a transaction."""
    if connection.vendor != "postgresql":
        pytest.skip("the three rows are one statement on PostgreSQL only")
    from handoffs.services import messages

    ingest(bot, text="first")
    WebhookEndpoint.objects.create(workspace=bot.workspace, url="http://127.0.0.1:9/hook")
    monkeypatch.setattr(messages, "webhooks_exist", lambda workspace_id: False)
    with statements() as seen:
        ingest(bot, text="second")

    assert [(word, in_transaction) for word, in_transaction in seen if word in WRITES] == [
        ("WITH", False)
    ]
