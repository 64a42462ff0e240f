"""`manage.py import_botpress`: a Botpress v12 database's HITL history, copied into a bot."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from io import StringIO
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.utils.dateparse import parse_datetime
from psycopg.types.json import Json

from handoffs.models import (
    BotpressImport,
    Conversation,
    EndUser,
    Event,
    Handoff,
    Label,
    Message,
    Note,
)
from tests.api.conftest import api_url

pytestmark = pytest.mark.django_db

AGENT_MD5 = "9b6d8f1c0e2a4b7f8c3d5e6f7a8b9c0d"
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


class BotpressDatabase:
    """A Botpress v12 database made of its own table definitions, on SQLite or PostgreSQL."""

    def __init__(self, connection: Any, url: str, vendor: str) -> None:
        self.connection = connection
        self.url = url
        self.vendor = vendor
        sqlite = vendor == "sqlite"
        self.types = {
            "increments": "integer PRIMARY KEY AUTOINCREMENT NOT NULL"
            if sqlite
            else "serial PRIMARY KEY",
            "string": "varchar(255)",
            "json": "text" if sqlite else "json",
            "jsonb": "text" if sqlite else "jsonb",
            "datetime": "datetime" if sqlite else "timestamptz",
        }

    def create_tables(self, *names: str) -> None:
        t = self.types
        tables = {
            # modules/hitlnext/src/backend/migrate.ts, with `tags` from
            # modules/hitlnext/src/migrations/v12_16_0-1608057053-add_tags_to_handoffs.ts
            "handoffs": f"""CREATE TABLE handoffs (
                id {t["increments"]},
                "botId" {t["string"]} NOT NULL,
                "userId" {t["string"]} NOT NULL,
                "agentId" {t["string"]},
                "userThreadId" {t["string"]} NOT NULL,
                "userChannel" {t["string"]} NOT NULL,
                "agentThreadId" {t["string"]},
                status {t["string"]} NOT NULL,
                tags {t["json"]},
                "assignedAt" {t["datetime"]},
                "resolvedAt" {t["datetime"]},
                "createdAt" {t["datetime"]} NOT NULL,
                "updatedAt" {t["datetime"]} NOT NULL
            )""",
            # modules/hitlnext/src/backend/migrate.ts
            "comments": f"""CREATE TABLE comments (
                id {t["increments"]},
                "handoffId" integer NOT NULL REFERENCES handoffs (id) ON DELETE CASCADE,
                "threadId" {t["string"]} NOT NULL,
                "agentId" {t["string"]} NOT NULL,
                content text,
                "createdAt" {t["datetime"]} NOT NULL,
                "updatedAt" {t["datetime"]} NOT NULL
            )""",
            # modules/hitl/src/backend/db.ts, with `thread_id` from modules/hitl/src/migrations/
            # v12_10_8-1600900478-add_thread_id_column_to_session_table.ts
            "hitl_sessions": f"""CREATE TABLE hitl_sessions (
                id {t["increments"]},
                "botId" {t["string"]} NOT NULL,
                channel {t["string"]},
                "userId" {t["string"]},
                full_name {t["string"]},
                user_image_url {t["string"]},
                last_event_on {t["datetime"]},
                last_heard_on {t["datetime"]},
                paused boolean,
                paused_trigger {t["string"]},
                thread_id {t["string"]}
            )""",
            # modules/hitl/src/backend/db.ts, with `source` from
            # modules/hitl/src/migrations/v12_1_0-1564677070-add_source_column_to_hitl_messages.ts
            "hitl_messages": f"""CREATE TABLE hitl_messages (
                id {t["increments"]},
                session_id integer REFERENCES hitl_sessions (id) ON DELETE CASCADE,
                type {t["string"]},
                source {t["string"]},
                text text,
                raw_message {t["jsonb"]},
                direction text CHECK (direction IN ('in', 'out')),
                ts {t["datetime"]}
            )""",
            # Botpress core's ChannelUsersTable (srv_channel_users), keyed by channel and user
            "srv_channel_users": f"""CREATE TABLE srv_channel_users (
                channel {t["string"]} NOT NULL,
                user_id {t["string"]} NOT NULL,
                attributes text,
                created_at {t["datetime"]} NOT NULL DEFAULT CURRENT_TIMESTAMP,
                updated_at {t["datetime"]} NOT NULL DEFAULT CURRENT_TIMESTAMP,
                PRIMARY KEY (channel, user_id)
            )""",
        }
        for name in names or tables:
            self.connection.execute(tables[name])
        self.connection.commit()

    def insert(self, table: str, **values: Any) -> int | None:
        columns = ", ".join(f'"{column}"' for column in values)
        mark = "?" if self.vendor == "sqlite" else "%s"
        marks = ", ".join([mark] * len(values))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
        if table == "srv_channel_users":  # keyed by (channel, user_id): no id
            self.connection.execute(sql, tuple(values.values()))
            self.connection.commit()
            return None
        row = self.connection.execute(f"{sql} RETURNING id", tuple(values.values())).fetchone()
        self.connection.commit()
        return row[0]

    def json(self, value: Any) -> Any:
        """As Botpress stores a JSON column: text on SQLite, json/jsonb on PostgreSQL."""
        return json.dumps(value) if self.vendor == "sqlite" else Json(value)

    def flag(self, value: bool) -> Any:
        return int(value) if self.vendor == "sqlite" else value

    def epoch_ms(self, iso: str) -> Any:
        """Botpress on SQLite may hold a date as milliseconds since the epoch."""
        if self.vendor != "sqlite":
            return iso
        return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def botpress(request, tmp_path) -> Iterator[BotpressDatabase]:
    if request.param == "sqlite":
        path = tmp_path / "botpress.sqlite"
        connection = sqlite3.connect(path)
        yield BotpressDatabase(connection, f"sqlite:///{path}", "sqlite")
        connection.close()
        return
    name = f"bp_import_src_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    connection = psycopg.connect(url)
    try:
        yield BotpressDatabase(connection, url, "postgres")
    finally:
        connection.close()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def source(botpress, bot) -> BotpressDatabase:
    """A pending handoff with tags and 2 comments, an assigned one, a resolved one, a legacy
    session with 3 messages (in, out, agent), and the users' attributes."""
    bp, bot_id = botpress, bot.bot_id
    bp.create_tables()
    pending = bp.insert(
        "handoffs",
        botId=bot_id,
        userId="ada",
        userThreadId="thread-ada",
        userChannel="web",
        status="pending",
        tags=bp.json(["vip", "billing"]),
        createdAt="2023-03-01T09:00:00.000Z",
        updatedAt="2023-03-01T09:00:00.000Z",
    )
    for minute, content in ((5, "Asked about invoice 42"), (6, "Call back tomorrow")):
        bp.insert(
            "comments",
            handoffId=pending,
            threadId="thread-ada",
            agentId=AGENT_MD5,
            content=content,
            createdAt=f"2023-03-01T09:0{minute}:00.000Z",
            updatedAt=f"2023-03-01T09:0{minute}:00.000Z",
        )
    bp.insert(
        "handoffs",
        botId=bot_id,
        userId="bob",
        userThreadId="thread-bob",
        userChannel="messenger",
        agentId=AGENT_MD5,
        agentThreadId="agent-thread",
        status="assigned",
        tags=bp.json([]),
        assignedAt="2023-03-02T10:05:00.000Z",
        createdAt="2023-03-02T10:00:00.000Z",
        updatedAt="2023-03-02T10:05:00.000Z",
    )
    bp.insert(
        "handoffs",
        botId=bot_id,
        userId="cy",
        userThreadId="thread-cy",
        userChannel="web",
        agentId=AGENT_MD5,
        status="resolved",
        assignedAt="2023-02-01T08:01:00.000Z",
        resolvedAt="2023-02-01T08:30:00.000Z",
        createdAt="2023-02-01T08:00:00.000Z",
        updatedAt="2023-02-01T08:30:00.000Z",
    )
    bp.insert(
        "handoffs",
        botId="some-other-bot",
        userId="zed",
        userThreadId="thread-zed",
        userChannel="web",
        status="pending",
        createdAt="2023-03-01T09:00:00.000Z",
        updatedAt="2023-03-01T09:00:00.000Z",
    )
    session = bp.insert(
        "hitl_sessions",
        botId=bot_id,
        channel="web",
        userId="dan",
        full_name="Dan Brown",
        last_event_on="2023-01-05T12:02:00.000Z",
        last_heard_on="2023-01-05T12:02:00.000Z",
        paused=bp.flag(True),
        paused_trigger="operator",
    )
    for ts, direction, source, text in (
        (bp.epoch_ms("2023-01-05T12:00:00Z"), "in", "user", "I need a human"),
        ("2023-01-05T12:01:00.000Z", "out", "bot", "Let me find someone"),
        ("2023-01-05T12:02:00.000Z", "out", "agent", "Hi Dan, Eve here"),
    ):
        raw = {"type": "text", "text": text, **({"agent": True} if source == "agent" else {})}
        bp.insert(
            "hitl_messages",
            session_id=session,
            type="text",
            source=source,
            text=text,
            raw_message=bp.json(raw),
            direction=direction,
            ts=ts,
        )
    bp.insert(
        "srv_channel_users",
        channel="web",
        user_id="ada",
        attributes=json.dumps({"fullName": "Ada Lovelace", "language": "fr", "timezone": 1}),
    )
    return bp


def run_import(source: BotpressDatabase, bot) -> str:
    out = StringIO()
    call_command("import_botpress", "--database-url", source.url, "--bot", bot.bot_id, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    models = (EndUser, Conversation, Handoff, Label, Message, Note, BotpressImport, Event)
    return {model.__name__: model.objects.count() for model in models}


def at(iso: str) -> datetime:
    return parse_datetime(iso).astimezone(UTC)


# -- HITL-next


def test_handoffs_show_in_the_api_with_their_statuses_and_dates(source, bot, token_client):
    run_import(source, bot)

    handoffs = token_client.get(api_url(bot, "mod/hitlnext/handoffs")).json()

    by_user = {h["userId"]: h for h in handoffs}
    assert set(by_user) == {"ada", "bob", "cy"}
    ada, bob, cy = by_user["ada"], by_user["bob"], by_user["cy"]
    assert (ada["status"], ada["userThreadId"], ada["userChannel"]) == (
        "pending",
        "thread-ada",
        "web",
    )
    assert at(ada["createdAt"]) == at("2023-03-01T09:00:00Z")
    assert sorted(ada["tags"]) == ["billing", "vip"]
    assert (cy["status"], cy["agentId"]) == ("resolved", None)
    assert at(cy["assignedAt"]) == at("2023-02-01T08:01:00Z")
    assert at(cy["resolvedAt"]) == at("2023-02-01T08:30:00Z")
    assert (bob["status"], bob["agentId"], bob["assignedAt"]) == ("pending", None, None)


def test_comments_become_notes_of_the_handoff(source, bot, token_client):
    run_import(source, bot)

    ada = next(
        h
        for h in token_client.get(api_url(bot, "mod/hitlnext/handoffs")).json()
        if h["userId"] == "ada"
    )

    assert [c["content"] for c in ada["comments"]] == [
        "Asked about invoice 42",
        "Call back tomorrow",
    ]
    assert {c["handoffId"] for c in ada["comments"]} == {ada["id"]}
    assert ada["comments"][0]["author"] is None
    assert at(ada["comments"][0]["createdAt"]) == at("2023-03-01T09:05:00Z")


def test_an_imported_pending_handoff_pauses_its_conversation(source, bot):
    run_import(source, bot)

    conversation = Conversation.objects.get(end_user__external_id="ada")
    assert (conversation.paused, conversation.paused_reason) == (True, "imported from Botpress")
    assert not Conversation.objects.get(end_user__external_id="cy").paused


def test_an_assigned_handoff_comes_back_pending_with_a_warning(source, bot):
    output = run_import(source, bot)

    assert "1 assigned handoff(s) imported as pending" in output


def test_of_two_open_handoffs_of_a_conversation_the_older_is_expired(source, bot):
    source.insert(
        "handoffs",
        botId=bot.bot_id,
        userId="ada",
        userThreadId="thread-ada",
        userChannel="web",
        status="pending",
        createdAt="2023-02-20T09:00:00.000Z",
        updatedAt="2023-02-20T09:00:00.000Z",
    )

    output = run_import(source, bot)

    statuses = Handoff.objects.filter(conversation__end_user__external_id="ada").order_by(
        "created_at"
    )
    assert [h.status for h in statuses] == ["expired", "pending"]
    assert "1 older open handoff(s) imported as expired" in output


def test_only_the_chosen_botpress_bots_rows_are_copied(source, bot):
    run_import(source, bot)

    assert not EndUser.objects.filter(external_id="zed").exists()


# -- legacy HITL


def test_a_legacy_session_becomes_a_paused_conversation_with_its_transcript(
    source,
    bot,
    token_client,
):
    run_import(source, bot)

    conversation = Conversation.objects.get(bot=bot, end_user__external_id="dan")
    messages = token_client.get(
        api_url(bot, f"mod/hitlnext/conversations/{conversation.pk}/messages")
    ).json()
    assert [(m["direction"], m["text"], m["author"]) for m in messages] == [
        ("incoming", "I need a human", None),
        ("outgoing", "Let me find someone", None),
        ("agent", "Hi Dan, Eve here", None),
    ]
    assert messages[2]["payload"] == {"type": "text", "text": "Hi Dan, Eve here", "agent": True}
    assert at(messages[0]["createdAt"]) == at("2023-01-05T12:00:00Z")
    assert (conversation.thread_id, conversation.paused) == ("", True)
    assert conversation.last_message_at == at("2023-01-05T12:02:00Z")
    assert conversation.last_user_message.text == "I need a human"
    assert {m.delivery_status for m in conversation.messages.all()} == {""}


def test_session_full_name_fills_an_empty_profile(source, bot):
    run_import(source, bot)

    assert EndUser.objects.get(external_id="dan").variables == {"fullName": "Dan Brown"}


# -- Botpress core's users


def test_user_attributes_merge_into_variables_and_hitl_keys_win(source, bot):
    EndUser.objects.create(bot=bot, channel="web", external_id="ada", variables={"language": "en"})

    run_import(source, bot)

    assert EndUser.objects.get(external_id="ada").variables == {
        "fullName": "Ada Lovelace",
        "language": "en",
        "timezone": 1,
    }


# -- history, not live activity


def test_the_import_writes_no_event(source, bot):
    before = Event.objects.count()

    run_import(source, bot)

    assert Event.objects.count() == before


def test_a_second_run_creates_nothing(source, bot):
    run_import(source, bot)
    after_first = row_counts()

    output = run_import(source, bot)

    assert row_counts() == after_first
    assert "handoffs: 0 created, 3 already imported" in output
    assert "hitl_messages: 0 created, 3 already imported" in output


def test_a_second_run_adds_only_new_rows(source, bot):
    run_import(source, bot)
    source.insert(
        "handoffs",
        botId=bot.bot_id,
        userId="eve",
        userThreadId="thread-eve",
        userChannel="web",
        status="rejected",
        createdAt="2023-03-05T09:00:00.000Z",
        updatedAt="2023-03-05T09:00:00.000Z",
    )

    output = run_import(source, bot)

    assert "handoffs: 1 created, 3 already imported" in output
    assert Handoff.objects.filter(bot=bot).count() == 4


def test_tables_missing_from_the_source_are_skipped(botpress, bot):
    botpress.create_tables("handoffs")

    output = run_import(botpress, bot)

    assert "hitl_sessions: table not found in the source, skipped" in output
    assert "comments: table not found in the source, skipped" in output
    assert "handoffs: 0 created, 0 already imported" in output
