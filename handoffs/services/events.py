from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction

from .. import outbound
from ..models import Bot, Event, Handoff
from ..realtime import publisher
from ..representations import HandoffRepresentation, to_camel
from .webhooks import webhook_deliveries_create


def event_emit(
    *,
    bot: Bot | None,
    type: str,
    resource: str,
    payload: dict[str, Any],
    conversation_id: int | None = None,
    workspace_id: int | None = None,
) -> Event:
    """Write the event in the caller's transaction; it is dispatched only if that commits."""
    event = event_new(
        bot=bot,
        type=type,
        resource=resource,
        payload=payload,
        conversation_id=conversation_id,
        workspace_id=workspace_id,
    )
    event.save(force_insert=True)
    event_follow(event, bot)
    return event


def handoff_emit(handoff: Handoff, type: str = "handoff.updated") -> Event:
    """The handoff's event, read again whole (agent, user, team, labels, notes) as the API
    shows it."""
    handoff = (
        Handoff.objects.select_related(
            "bot", "agent__agent_profile", "conversation__end_user", "team"
        )
        .prefetch_related("labels", "conversation__notes__author__agent_profile")
        .get(pk=handoff.pk)
    )
    return event_emit(
        bot=handoff.bot,
        type=type,
        resource="handoff",
        payload=HandoffRepresentation(handoff).data,
    )


def event_new(
    *,
    bot: Bot | None,
    type: str,
    resource: str,
    payload: dict[str, Any],
    conversation_id: int | None = None,
    workspace_id: int | None = None,
) -> Event:
    """The event, not yet saved: for a caller that writes it with other rows (message_rows)."""
    if bot is not None:
        workspace_id = bot.workspace_id
    # An event without a bot is a workspace's: its caller names the workspace.
    assert workspace_id is not None
    return Event(
        workspace_id=workspace_id,
        bot=bot,
        type=type,
        resource=resource,
        payload=to_camel(payload),
        conversation_id=conversation_id,
    )


def event_follow(event: Event, bot: Bot | None, *, webhooks: bool = True) -> None:
    """What leaves hitl because of a saved event is written now, in the same transaction.
    `webhooks=False`: the caller saw that the workspace has no endpoint (and wrote the event
    without a transaction on that answer: it must not change in between)."""
    if webhooks:
        webhook_deliveries_create(event=event)
    outbound.derive(event, bot)
    transaction.on_commit(partial(publisher.dispatch, event))


def events_emit_private(
    *,
    bot: Bot | None,
    workspace_id: int,
    type: str,
    resource: str,
    payloads: dict[int, dict[str, Any]],
) -> list[Event]:
    """One event per recipient (user id -> payload), in one INSERT; only that agent sees it."""
    events = Event.objects.bulk_create(
        Event(
            workspace_id=workspace_id,
            bot=bot,
            type=type,
            resource=resource,
            payload=to_camel(payload),
            recipient_id=recipient_id,
        )
        for recipient_id, payload in payloads.items()
    )
    for event in events:
        webhook_deliveries_create(event=event)  # none: private events stay inside
        transaction.on_commit(partial(publisher.dispatch, event))
    return events
