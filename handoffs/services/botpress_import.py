"""Copy a Botpress v12 database's HITL history into a hitl bot (`manage.py import_botpress`).

An import is history, not live activity: rows are written with the ORM directly, so no event
is written, no message goes to a user and no agent is alerted. Each copied row is recorded in
`BotpressImport`, and a row already recorded is skipped: running the import again adds only
what is new in the source. Botpress's `events` table is not copied.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any, TypeVar

import environ
import psycopg
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from agents.errors import ApplicationError

from ..models import Bot, BotpressImport, Conversation, EndUser, Handoff, Label, Message, Note
from .conversations import conversation_for_user

S = Handoff.Status

PAUSED_REASON = "imported from Botpress"
CLOSED_STATUSES = {S.RESOLVED, S.REJECTED, S.EXPIRED}
OPEN_STATUSES = {S.PENDING, S.ASSIGNED}
BATCH_SIZE = 500
# What _bulk_insert writes: rows with an auto_now_add `created_at` to set afterwards.
_Dated = TypeVar("_Dated", Message, Note)
# Botpress's legacy HITL names a user it knows nothing about "# <random digits>".
PLACEHOLDER_NAME = re.compile(r"^# \d+$")


class BotpressImportError(Exception):
    """The source cannot be read, or holds a value the import cannot understand."""


@dataclass
class BotpressImportReport:
    created: Counter[str] = field(default_factory=Counter)
    already: Counter[str] = field(default_factory=Counter)
    missing_tables: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = []
        for table in ("handoffs", "comments", "hitl_sessions", "hitl_messages"):
            if table in self.missing_tables:
                lines.append(f"{table}: table not found in the source, skipped")
            else:
                created, already = self.created[table], self.already[table]
                lines.append(f"{table}: {created} created, {already} already imported")
        if "srv_channel_users" in self.missing_tables:
            lines.append("srv_channel_users: table not found in the source, skipped")
        lines.append(
            f"users: {self.created['users']} profile(s) updated, {self.already['users']} unchanged"
        )
        lines.append("events: not copied (history of Botpress's own event log)")
        return lines + [f"warning: {warning}" for warning in self.warnings]


class BotpressSource:
    """A read-only connection to a Botpress database, SQLite or PostgreSQL."""

    def __init__(self, connection: Any, vendor: str) -> None:
        self.connection = connection
        self.vendor = vendor

    def tables(self) -> set[str]:
        if self.vendor == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
        else:
            sql = (
                "SELECT table_name AS name FROM information_schema.tables"
                " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
            )
        return {row["name"] for row in self.rows(sql)}

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> Iterator[dict[str, Any]]:
        """Rows as dicts, fetched in batches; SQL is written with `%s` placeholders."""
        if self.vendor == "sqlite":
            sql = sql.replace("%s", "?")
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, params)
            names = [column[0] for column in cursor.description]
            while batch := cursor.fetchmany(BATCH_SIZE):
                for row in batch:
                    yield dict(zip(names, row, strict=True))
        finally:
            cursor.close()


@contextmanager
def botpress_source_open(*, database_url: str) -> Iterator[BotpressSource]:
    """Open `sqlite:///path` or `postgres://...` for reading only."""
    try:
        config = environ.Env.db_url_config(database_url)
    except Exception as error:
        raise BotpressImportError(f"Not a database URL: {database_url!r}") from error
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        path = Path(config["NAME"]).resolve()
        if not path.is_file():
            raise BotpressImportError(f"No SQLite database at {path}.")
        connection: Any = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        vendor = "sqlite"
    elif engine == "django.db.backends.postgresql":
        try:
            connection = psycopg.connect(database_url)
        except psycopg.Error as error:
            raise BotpressImportError(f"Cannot connect to the source: {error}") from error
        connection.read_only = True
        vendor = "postgresql"
    else:
        raise BotpressImportError("The source must be an sqlite:// or postgres:// URL.")
    try:
        yield BotpressSource(connection, vendor)
    finally:
        connection.close()


def botpress_import(
    *, bot: Bot, database_url: str, botpress_bot_id: str | None = None
) -> BotpressImportReport:
    """Copy HITL-next handoffs and comments, legacy HITL sessions and messages, and the
    attributes of their users from a Botpress v12 database into `bot`, in one transaction."""
    with botpress_source_open(database_url=database_url) as source, transaction.atomic():
        try:
            importer = _Importer(
                bot=bot, source=source, botpress_bot_id=botpress_bot_id or bot.bot_id
            )
            importer.run()
        except (sqlite3.Error, psycopg.Error) as error:
            raise BotpressImportError(f"Reading the source failed: {error}") from error
    return importer.report


# -- reading Botpress's values


def to_datetime(value: Any) -> datetime | None:
    """Botpress dates: datetimes (PostgreSQL), ISO strings or epoch milliseconds (SQLite)."""
    if value is None or value == "":
        return None
    parsed: datetime | None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    elif isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d+(\.\d+)?", text):
            return datetime.fromtimestamp(float(text) / 1000, tz=UTC)
        parsed = parse_datetime(text)
        if parsed is None and (day := parse_date(text)) is not None:
            parsed = datetime.combine(day, time())
        if parsed is None:
            raise ValueError(f"not a date: {value!r}")
    else:
        raise ValueError(f"not a date: {value!r}")
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)


def to_json(value: Any) -> Any:
    """JSON columns: text on SQLite, text or already decoded on PostgreSQL."""
    if isinstance(value, bytes | memoryview):
        value = bytes(value).decode()
    if isinstance(value, str):
        return json.loads(value) if value.strip() else None
    return value


def to_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "t", "yes"}
    return bool(value)


# -- the import


class _Importer:
    def __init__(self, *, bot: Bot, source: BotpressSource, botpress_bot_id: str) -> None:
        self.bot = bot
        self.source = source
        self.botpress_bot_id = botpress_bot_id
        self.report = BotpressImportReport()
        self.tables = source.tables()
        self.conversations: dict[tuple[str, str, str], Conversation | None] = {}
        self.users: set[tuple[str, str]] = set()
        self.session_names: dict[tuple[str, str], str] = {}
        self.touched_conversations: set[int] = set()

    def run(self) -> None:
        if self._has("handoffs"):
            self._import_handoffs()
            if self._has("comments"):
                self._import_comments()
        elif "comments" not in self.tables:
            self.report.missing_tables.append("comments")
        if self._has("hitl_sessions"):
            self._import_sessions()
            if self._has("hitl_messages"):
                self._import_messages()
        elif "hitl_messages" not in self.tables:
            self.report.missing_tables.append("hitl_messages")
        self._merge_user_attributes()

    def _has(self, table: str) -> bool:
        if table in self.tables:
            return True
        self.report.missing_tables.append(table)
        return False

    def _mapped(self, table: str) -> dict[str, int]:
        rows = BotpressImport.objects.filter(bot=self.bot, table=table)
        return dict(rows.values_list("source_id", "object_id"))

    def _record(self, table: str, pairs: list[tuple[Any, int]]) -> None:
        BotpressImport.objects.bulk_create(
            [
                BotpressImport(bot=self.bot, table=table, source_id=str(sid), object_id=oid)
                for sid, oid in pairs
            ],
            batch_size=BATCH_SIZE,
        )
        self.report.created[table] += len(pairs)

    def _date(self, table: str, row: dict[str, Any], column: str) -> datetime | None:
        try:
            return to_datetime(row.get(column))
        except ValueError as error:
            raise BotpressImportError(f"{table} #{row.get('id')}: {column} is {error}") from error

    def _conversation(self, channel: Any, user_id: Any, thread_id: Any) -> Conversation | None:
        key = (str(channel or ""), str(user_id or ""), str(thread_id or ""))
        if key not in self.conversations:
            conversation = None
            if len(key[2]) > 200:
                self.report.warnings.append(f"thread id longer than 200 characters: {key[2]!r}")
            else:
                try:
                    conversation = conversation_for_user(
                        bot=self.bot, channel=key[0], user_id=key[1], thread_id=key[2]
                    )
                except ApplicationError as error:
                    self.report.warnings.append(f"user {key[1]!r} on {key[0]!r}: {error}")
            self.conversations[key] = conversation
        conversation = self.conversations[key]
        if conversation is not None:
            self.users.add(key[:2])
        return conversation

    # HITL-next

    def _import_handoffs(self) -> None:
        rows = list(
            self.source.rows(
                'SELECT * FROM handoffs WHERE "botId" = %s ORDER BY id', (self.botpress_bot_id,)
            )
        )
        newest_open: dict[tuple[str, str, str], tuple[datetime, int]] = {}
        for row in rows:
            if row["status"] in OPEN_STATUSES:
                key = (row["userChannel"], row["userId"], row["userThreadId"] or "")
                rank = (self._date("handoffs", row, "createdAt") or timezone.now(), row["id"])
                newest_open[key] = max(newest_open.get(key, rank), rank)
        mapped = self._mapped("handoffs")
        labels = {label.name: label for label in Label.objects.filter(bot=self.bot)}
        demoted = superseded = unknown = 0
        imported: list[tuple[Any, int]] = []
        for row in rows:
            key = (row["userChannel"], row["userId"], row["userThreadId"] or "")
            if str(row["id"]) in mapped:
                self.report.already["handoffs"] += 1
                self.users.add(key[:2])
                continue
            conversation = self._conversation(*key)
            if conversation is None:
                continue
            created_at = self._date("handoffs", row, "createdAt") or timezone.now()
            status = row["status"]
            assigned_at = self._date("handoffs", row, "assignedAt")
            resolved_at = self._date("handoffs", row, "resolvedAt")
            if status in OPEN_STATUSES:
                already_open = Handoff.objects.filter(
                    conversation=conversation, status__in=Handoff.OPEN_STATUSES
                ).exists()
                if newest_open[key][1] != row["id"] or already_open:
                    # hitl holds one open handoff per conversation: the newest stays open.
                    superseded += 1
                    status, resolved_at = S.EXPIRED, resolved_at or created_at
                elif status == S.ASSIGNED:
                    # No agent mapping: back in the queue, as hitl's requeue leaves it.
                    demoted += 1
                    status, assigned_at = S.PENDING, None
            elif status not in CLOSED_STATUSES:
                unknown += 1
                status, resolved_at = S.EXPIRED, resolved_at or created_at
            handoff = Handoff.objects.create(
                bot=self.bot,
                conversation=conversation,
                status=status,
                assigned_at=assigned_at,
                resolved_at=resolved_at,
            )
            Handoff.objects.filter(pk=handoff.pk).update(
                created_at=created_at,
                updated_at=self._date("handoffs", row, "updatedAt") or created_at,
            )
            tags = to_json(row.get("tags"))
            tags = tags if isinstance(tags, list) else []
            names = [str(tag)[:60] for tag in tags if str(tag).strip()]
            for name in names:
                if name not in labels:
                    labels[name], _ = Label.objects.get_or_create(bot=self.bot, name=name)
            handoff.labels.set([labels[name] for name in names])
            if status == S.PENDING:
                Conversation.objects.filter(pk=conversation.pk, paused=False).update(
                    paused=True, paused_at=created_at, paused_reason=PAUSED_REASON
                )
            imported.append((row["id"], handoff.pk))
        self._record("handoffs", imported)
        if demoted:
            self.report.warnings.append(
                f"{demoted} assigned handoff(s) imported as pending: Botpress agents have no"
                " hitl account"
            )
        if superseded:
            self.report.warnings.append(
                f"{superseded} older open handoff(s) imported as expired: a conversation keeps"
                " one open handoff, the newest"
            )
        if unknown:
            self.report.warnings.append(
                f"{unknown} handoff(s) of unknown status imported as expired"
            )

    def _import_comments(self) -> None:
        rows = self.source.rows(
            'SELECT c.* FROM comments c JOIN handoffs h ON h.id = c."handoffId"'
            ' WHERE h."botId" = %s ORDER BY c.id',
            (self.botpress_bot_id,),
        )
        mapped = self._mapped("comments")
        handoff_ids = self._mapped("handoffs")
        handoffs = Handoff.objects.in_bulk(list(handoff_ids.values()))
        pending: list[tuple[Any, Note, datetime]] = []
        for row in rows:
            if str(row["id"]) in mapped:
                self.report.already["comments"] += 1
                continue
            handoff = handoffs.get(handoff_ids.get(str(row["handoffId"]), 0))
            if handoff is None:
                continue  # its handoff was deleted in hitl since it was imported
            note = Note(
                conversation_id=handoff.conversation_id,
                handoff=handoff,
                author=None,
                text=row.get("content") or "",
            )
            created_at = self._date("comments", row, "createdAt") or timezone.now()
            pending.append((row["id"], note, created_at))
        self._bulk_insert("comments", Note, pending)

    # legacy HITL

    def _import_sessions(self) -> None:
        rows = self.source.rows(
            'SELECT * FROM hitl_sessions WHERE "botId" = %s ORDER BY id', (self.botpress_bot_id,)
        )
        mapped = self._mapped("hitl_sessions")
        imported: list[tuple[Any, int]] = []
        for row in rows:
            channel, user_id = row.get("channel"), row.get("userId")
            if not channel or not user_id:
                self.report.warnings.append(f"hitl_sessions #{row['id']} has no channel or user")
                continue
            name = row.get("full_name") or ""
            if name and not PLACEHOLDER_NAME.match(name):
                self.session_names.setdefault((channel, user_id), name)
            if str(row["id"]) in mapped:
                self.report.already["hitl_sessions"] += 1
                self.users.add((channel, user_id))
                continue
            conversation = self._conversation(channel, user_id, row.get("thread_id"))
            if conversation is None:
                continue
            if to_bool(row.get("paused")):
                paused_at = self._date("hitl_sessions", row, "last_event_on") or timezone.now()
                Conversation.objects.filter(pk=conversation.pk, paused=False).update(
                    paused=True,
                    paused_at=paused_at,
                    paused_reason=PAUSED_REASON,
                )
            imported.append((row["id"], conversation.pk))
        self._record("hitl_sessions", imported)

    def _import_messages(self) -> None:
        rows = self.source.rows(
            "SELECT m.* FROM hitl_messages m JOIN hitl_sessions s ON s.id = m.session_id"
            ' WHERE s."botId" = %s ORDER BY m.id',
            (self.botpress_bot_id,),
        )
        mapped = self._mapped("hitl_messages")
        sessions = self._mapped("hitl_sessions")
        existing = set(
            Conversation.objects.filter(pk__in=sessions.values()).values_list("pk", flat=True)
        )
        pending: list[tuple[Any, Message, datetime]] = []
        for row in rows:
            if str(row["id"]) in mapped:
                self.report.already["hitl_messages"] += 1
                continue
            conversation_id = sessions.get(str(row["session_id"]))
            if conversation_id not in existing:
                continue  # its session was skipped, or its conversation deleted in hitl
            payload = to_json(row.get("raw_message"))
            if not isinstance(payload, dict):
                payload = {} if payload is None else {"raw": payload}
            if row.get("type"):
                payload.setdefault("type", row["type"])
            message = Message(
                conversation_id=conversation_id,
                direction=_direction(row, payload),
                author=None,
                text=row.get("text") or "",
                payload=payload,
            )
            created_at = self._date("hitl_messages", row, "ts") or timezone.now()
            pending.append((row["id"], message, created_at))
            self.touched_conversations.add(conversation_id)
            if len(pending) >= BATCH_SIZE:
                self._bulk_insert("hitl_messages", Message, pending)
                pending = []
        self._bulk_insert("hitl_messages", Message, pending)
        self._refresh_last_messages()

    def _bulk_insert(
        self, table: str, model: type[_Dated], rows: list[tuple[Any, _Dated, datetime]]
    ) -> None:
        """Insert, then set created_at (auto_now_add overwrites it on insert), then record."""
        objects = model.objects.bulk_create([obj for _, obj, _ in rows], batch_size=BATCH_SIZE)
        for obj, (_, _, created_at) in zip(objects, rows, strict=True):
            obj.created_at = created_at
        model.objects.bulk_update(objects, ["created_at"], batch_size=BATCH_SIZE)
        self._record(table, [(sid, obj.pk) for obj, (sid, _, _) in zip(objects, rows, strict=True)])

    def _refresh_last_messages(self) -> None:
        """Imported messages may be newer than the conversation's last one: set both again."""
        for conversation_id in self.touched_conversations:
            messages = Message.objects.filter(conversation_id=conversation_id)
            order = ("-created_at", "-id")
            last = messages.order_by(*order).values_list("created_at", flat=True).first()
            last_in = (
                messages.filter(direction=Message.Direction.INCOMING)
                .order_by(*order)
                .values_list("pk", flat=True)
                .first()
            )
            Conversation.objects.filter(pk=conversation_id).update(
                last_message_at=last, last_user_message_id=last_in
            )

    # Botpress core

    def _merge_user_attributes(self) -> None:
        """Botpress's user attributes fill the profile; what hitl already holds wins."""
        has_attributes = "srv_channel_users" in self.tables
        if not has_attributes:
            self.report.missing_tables.append("srv_channel_users")
        user_ids = sorted({user_id for _, user_id in self.users})
        for start in range(0, len(user_ids), BATCH_SIZE):
            chunk = user_ids[start : start + BATCH_SIZE]
            attributes: dict[tuple[str, str], Any] = {}
            if has_attributes:
                marks = ", ".join(["%s"] * len(chunk))
                sql = f"SELECT * FROM srv_channel_users WHERE user_id IN ({marks})"
                for row in self.source.rows(sql, tuple(chunk)):
                    attributes[(row["channel"], row["user_id"])] = to_json(row.get("attributes"))
            for end_user in EndUser.objects.filter(bot=self.bot, external_id__in=chunk):
                key = (end_user.channel, end_user.external_id)
                if key in self.users:
                    self._merge_user(end_user, attributes.get(key))

    def _merge_user(self, end_user: EndUser, attributes: Any) -> None:
        key = (end_user.channel, end_user.external_id)
        merged = {**(attributes if isinstance(attributes, dict) else {}), **end_user.variables}
        if not merged.get("fullName") and key in self.session_names:
            merged["fullName"] = self.session_names[key]
        merged = {name: value for name, value in merged.items() if value is not None}
        if merged == end_user.variables:
            self.report.already["users"] += 1
            return
        end_user.variables = merged
        end_user.save(update_fields=["variables"])
        self.report.created["users"] += 1


def _direction(row: dict[str, Any], payload: dict[str, Any]) -> str:
    if row.get("direction") == "in":
        return Message.Direction.INCOMING
    # Botpress's own rule (hitl/src/backend/db.ts): an outgoing event with `payload.agent` is
    # the agent's; rows written before the `source` column existed have only that.
    source = row.get("source")
    if source == "agent" or (source is None and payload.get("agent")):
        return Message.Direction.AGENT
    return Message.Direction.OUTGOING
