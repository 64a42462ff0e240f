"""What the workspace page renders first and hands to its script, in the API's JSON shapes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Max, QuerySet
from django.http import HttpRequest
from django.middleware.csrf import get_token

from agents.errors import NotFound
from agents.models import Membership

from ..models import Bot, Event, Handoff
from ..representations import (
    AgentStatusRepresentation,
    HandoffRepresentation,
    MessageRepresentation,
    wire,
)
from ..selectors import (
    agent_list,
    handoff_get,
    handoff_queryset,
    handoff_queue_positions,
    message_list,
)

# Closed handoffs are history: the page starts with the most recent ones only.
CLOSED_SHOWN = 100
# The API's own maximum for a transcript.
TRANSCRIPT_LIMIT = 500


def bots_of(*, user: User) -> QuerySet[Bot]:
    return (
        Bot.objects.filter(workspace__memberships__user=user)
        .select_related("workspace")
        .order_by("workspace__name", "name", "bot_id")
    )


def _handoffs(bot: Bot) -> list[Handoff]:
    queryset = handoff_queryset(bot=bot)
    open_handoffs = queryset.filter(status__in=Handoff.OPEN_STATUSES).order_by("id")
    closed = queryset.exclude(status__in=Handoff.OPEN_STATUSES).order_by("-id")[:CLOSED_SHOWN]
    handoffs = [*open_handoffs, *closed]
    handoff_queue_positions(bot=bot, handoffs=handoffs)
    return handoffs


def _represent(handoffs: list[Handoff], viewer: Membership) -> list[dict[str, Any]]:
    context = {"viewer": viewer}
    return wire(HandoffRepresentation(handoffs, many=True, context=context))


def profile_entries(attributes: dict[str, Any]) -> list[tuple[str, Any]]:
    """The user's variables for display: the full name first, then the others by name."""
    entries = [("fullName", attributes["fullName"])] if attributes.get("fullName") else []
    entries += sorted((k, v) for k, v in attributes.items() if k != "fullName")
    return entries


def workspace_state(
    *, request: HttpRequest, bot: Bot, membership: Membership, selected_id: int | None
) -> dict[str, Any]:
    user = membership.user
    workspace_ids = list(
        Membership.objects.filter(user=user).values_list("workspace_id", flat=True)
    )
    # Read before the handoffs: the socket replays from here, so nothing between is missed.
    last_event_id = (
        Event.objects.filter(workspace_id__in=workspace_ids).aggregate(last=Max("id"))["last"] or 0
    )
    handoffs = _handoffs(bot)
    selected = None
    if selected_id is not None:
        selected = next((h for h in handoffs if h.pk == selected_id), None)
        if selected is None:
            try:
                selected = handoff_get(bot=bot, handoff_id=selected_id)
            except NotFound:
                selected = None
            else:
                handoffs.append(selected)
    agents = wire(AgentStatusRepresentation(agent_list(workspace_id=bot.workspace_id), many=True))
    me = next(a for a in agents if a["agentId"] == user.pk)
    messages = []
    if selected is not None:
        history = message_list(conversation=selected.conversation, limit=TRANSCRIPT_LIMIT)
        messages = wire(MessageRepresentation(history, many=True))
    return {
        "me": me,
        "bot": {
            "botId": bot.bot_id,
            "name": bot.name,
            "templateTrigger": bot.template_trigger,
            "handoffAlert": bot.handoff_alert,
            "enableConversationDeletion": bot.enable_conversation_deletion,
        },
        "labels": [label.name for label in bot.labels.all()],
        "templates": [{"name": t.name, "text": t.text} for t in bot.templates.all()],
        "agents": agents,
        "handoffs": _represent(handoffs, membership),
        "selectedId": selected.pk if selected is not None else None,
        "messages": messages,
        "lastEventId": last_event_id,
        # agent.updated events do not name their workspace: the script needs to know.
        "workspaceCount": len(workspace_ids),
        "transcriptLimit": TRANSCRIPT_LIMIT,
        "apiBase": f"/api/v1/bots/{bot.bot_id}/mod/hitlnext/",
        "socketPath": "/ws/workspace/",
        "csrfToken": get_token(request),
    }
