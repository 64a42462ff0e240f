"""The read side of the event stream: what a reconnecting client missed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from agents.selectors import agent_display_name

from .models import Conversation, Event

REPLAY_BATCH = 500


def events_after(
    *, workspace_ids: Iterable[int], after: int, limit: int = REPLAY_BATCH
) -> list[dict]:
    """Envelopes of the workspaces' events with id > after, oldest first."""
    events = (
        Event.objects.filter(workspace_id__in=list(workspace_ids), id__gt=after)
        .select_related("bot")
        .order_by("id")[:limit]
    )
    return [event.envelope() for event in events]


def typing_target(
    *, user: AbstractBaseUser, workspace_ids: Iterable[int], conversation_id: Any
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
