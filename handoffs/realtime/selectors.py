"""The outbox reads of realtime: what a socket may see, and what it missed."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Max, Q, QuerySet

from agents.selectors import agent_display_name
from agents.sql import column, table

from ..models import Conversation, Event

REPLAY_BATCH = 500


def _visible(*, workspace_ids: Iterable[int], user_ids: Iterable[int]) -> QuerySet[Event]:
    """The workspaces' events these agents may see: shared ones and those addressed to them.

    Another agent's private events (notifications) are never sent nor replayed.
    """
    return Event.objects.filter(workspace_id__in=list(workspace_ids)).filter(
        Q(recipient_id__isnull=True) | Q(recipient_id__in=list(user_ids))
    )


def envelopes_of(*, ids: Iterable[int]) -> list[dict]:
    events = Event.objects.filter(id__in=list(ids)).select_related("bot").order_by("id")
    return [event.envelope() for event in events]


def visible_event(*, user: User, event_id: int) -> dict[str, Any] | None:
    """One event's envelope, if this agent may see it (the socket sent only its stub)."""
    from agents.models import Membership

    workspace_ids = Membership.objects.filter(user=user).values_list("workspace_id", flat=True)
    event = (
        _visible(workspace_ids=workspace_ids, user_ids=[user.pk])
        .select_related("bot")
        .filter(id=event_id)
        .first()
    )
    return event.envelope() if event is not None else None


def visible_events_after(
    *, workspace_ids: Iterable[int], user_ids: Iterable[int], after: int, limit: int = REPLAY_BATCH
) -> list[tuple[int, int, int | None]]:
    """`(id, workspace id, recipient id)` of the events any of these agents may see, oldest
    first: one read for all the sockets of a process, and one for every socket that connects.

    Written out (the rule of `_visible`): the ORM spent more CPU building it than the database
    took to answer, a tenth of a socket's connect (bench/README.md, "10,000 sockets")."""
    workspace_ids, user_ids = list(workspace_ids), list(user_ids)
    if not workspace_ids:
        return []
    select, workspace, recipient, order = _visible_after_sql()
    addressed = f" OR {recipient} IN ({', '.join(['%s'] * len(user_ids))})" if user_ids else ""
    sql = (
        f"{select} WHERE {workspace} IN ({', '.join(['%s'] * len(workspace_ids))})"
        f" AND ({recipient} IS NULL{addressed}) {order}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*workspace_ids, *user_ids, after, limit])
        return cursor.fetchall()


@cache
def _visible_after_sql() -> tuple[str, str, str, str]:
    """visible_events_after's fixed parts: the select, the two columns its lists test, and
    the `after` and limit clauses."""
    event_id, workspace = column(Event, "id"), column(Event, "workspace")
    recipient = column(Event, "recipient_id")
    return (
        f"SELECT {event_id}, {workspace}, {recipient} FROM {table(Event)}",
        workspace,
        recipient,
        f"AND {event_id} > %s ORDER BY {event_id} LIMIT %s",
    )


def latest_event_id() -> int:
    """The outbox's newest id, in any workspace: a fresh socket starts after it."""
    return Event.objects.aggregate(Max("id"))["id__max"] or 0


def typing_target(
    *, user: User, workspace_ids: Iterable[int], conversation_id: Any
) -> dict[str, Any] | None:
    """Where an agent's typing indicator goes, if the conversation is in their workspaces."""
    try:
        conversation_id = int(conversation_id)
    except (TypeError, ValueError):
        return None
    conversation = (
        Conversation.objects.filter(pk=conversation_id, bot__workspace_id__in=list(workspace_ids))
        .select_related("bot")
        .first()
    )
    if conversation is None:
        return None
    return {
        "workspace_id": conversation.bot.workspace_id,
        "conversation_id": conversation.pk,
        "agent": {"agentId": user.pk, "name": agent_display_name(user)},
    }
