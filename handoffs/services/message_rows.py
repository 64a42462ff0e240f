"""The three rows of a new message, written together: the message, its conversation's
`last_message_at` (and `last_user_message` for a user's message), and its `message.created`
event in the outbox.

On PostgreSQL they go in one statement, three data-modifying CTEs: one round trip instead of
three, and none of the ORM's per-save work (bench/README.md, "Ingest"). Every column comes
from the models' own fields and each value from the field's own `pre_save` and
`get_db_prep_save`, as `Model.save()` would send it. Elsewhere (SQLite, the embedded default)
the ORM writes them one by one. Both paths run the whole suite (PostgreSQL and SQLite in CI).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.db import connections, router
from django.db.models import Field, Model

from agents.sql import column, table

from ..models import Conversation, Event, Message

Represent = Callable[[Message], dict[str, Any]]


def message_rows_in_one_statement() -> bool:
    """Whether `message_rows_save` writes its rows in one statement, atomic by itself."""
    return connections[router.db_for_write(Message)].vendor == "postgresql"


def message_rows_save(
    *, message: Message, event: Event, represent: Represent, user_message: bool
) -> None:
    """Save `message` and `event` (whose payload `represent` makes from the saved message) and
    move the conversation's `last_message_at`, in the caller's transaction."""
    alias = router.db_for_write(Message)
    if connections[alias].vendor == "postgresql":
        _in_one_statement(alias, message, event, represent, user_message)
        return
    message.save(force_insert=True, using=alias)
    changes: dict[str, Any] = {"last_message_at": message.created_at}
    if user_message:
        # The handoff list shows it (selectors.handoff_queryset): one UPDATE keeps both.
        changes["last_user_message"] = message
    Conversation.objects.using(alias).filter(pk=message.conversation_id).update(**changes)
    event.payload = represent(message)
    event.save(force_insert=True, using=alias)


def _in_one_statement(
    alias: str, message: Message, event: Event, represent: Represent, user_message: bool
) -> None:
    connection = connections[alias]
    message_values = _values(message, connection)
    # The message's id comes from the INSERT: the payload leaves it empty and the statement
    # sets it (`||` replaces the key of a jsonb object).
    event.payload = represent(message)
    event_values = _values(event, connection)
    conversation_values: list[Any] = [message.created_at]
    with connection.cursor() as cursor:
        cursor.execute(
            _sql(user_message),
            [*message_values, *conversation_values, message.conversation_id, *event_values],
        )
        message_id, event_id = cursor.fetchone()
    for row, pk in ((message, message_id), (event, event_id)):
        row.pk = pk
        row._state.adding = False
        row._state.db = alias
    event.payload["id"] = message_id


def _fields(model: type[Model]) -> list[Field]:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


def _values(row: Model, connection: Any) -> list[Any]:
    return [
        field.get_db_prep_save(field.pre_save(row, add=True), connection)
        for field in _fields(type(row))
    ]


@cache
def _sql(user_message: bool) -> str:
    def columns(model: type[Model]) -> str:
        return ", ".join(column(model, field.name) for field in _fields(model))

    event_values = ", ".join(
        "%s::jsonb || jsonb_build_object('id', m.id)" if field.name == "payload" else "%s"
        for field in _fields(Event)
    )
    message_values = ", ".join("%s" for _ in _fields(Message))
    last_user_message = (
        f", {column(Conversation, 'last_user_message')} = (SELECT id FROM m)"
        if user_message
        else ""
    )
    return (
        f"WITH m AS (INSERT INTO {table(Message)} ({columns(Message)}) VALUES ({message_values})"
        f" RETURNING {column(Message, 'id')} AS id),"
        f" c AS (UPDATE {table(Conversation)} SET {column(Conversation, 'last_message_at')} = %s"
        f"{last_user_message} WHERE {column(Conversation, 'id')} = %s),"
        f" e AS (INSERT INTO {table(Event)} ({columns(Event)}) SELECT {event_values} FROM m"
        f" RETURNING {column(Event, 'id')} AS id)"
        " SELECT m.id, e.id FROM m, e"
    )
