"""What the workspace page renders first and hands to its script, in the API's JSON shapes."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Max, QuerySet
from django.http import HttpRequest
from django.middleware.csrf import get_token

from agents.errors import NotFound
from agents.models import Membership

from ..api.pagination import encode_cursor
from ..models import Bot, Event, Handoff
from ..models.handoffs import PRIORITIES
from ..representations import (
    AgentStatusRepresentation,
    HandoffRepresentation,
    MessageRepresentation,
    TeamSummaryRepresentation,
    wire,
)
from ..selectors import (
    MY_TEAMS,
    agent_list,
    handoff_get,
    handoff_list,
    handoff_queue_positions,
    handoff_view_counts,
    message_list,
    team_list,
)
from .bell import api_base

# The handoffs pane shows a page at a time, loading the next as the agent scrolls: the page
# costs the same with 50 or 50,000 people waiting.
PAGE_SIZE = 50
# The filters a first visit shows (page.html checks them): of my teams (selectors.MY_TEAMS).
DEFAULT_VIEWS = ["unassigned", "mine"]
DEFAULT_TEAMS = [MY_TEAMS]
# The API's own maximum for a transcript.
# A transcript opens on its newest page; older pages load as the agent scrolls up.
TRANSCRIPT_LIMIT = 100


def bots_of(*, user: User) -> QuerySet[Bot]:
    return (
        Bot.objects.filter(workspace__memberships__user=user)
        .select_related("workspace")
        .order_by("workspace__name", "name", "bot_id")
    )


def _first_page(bot: Bot, viewer_id: int) -> tuple[list[Handoff], str | None]:
    """The default views' first page, and the API URL of the next one when there is more."""
    handoffs = handoff_list(bot=bot, views=DEFAULT_VIEWS, viewer_id=viewer_id, teams=DEFAULT_TEAMS)
    page = list(handoffs[: PAGE_SIZE + 1])
    next_url = None
    if len(page) > PAGE_SIZE:
        page = page[:PAGE_SIZE]
        query = urlencode(
            {
                "view": ",".join(DEFAULT_VIEWS),
                "limit": PAGE_SIZE,
                "team": ",".join(DEFAULT_TEAMS),
                "cursor": encode_cursor(page[-1]),
            }
        )
        next_url = f"{api_base(bot)}handoffs?{query}"
    return page, next_url


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
    handoffs, next_url = _first_page(bot, user.pk)
    page_length = len(handoffs)
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
    handoff_queue_positions(bot=bot, handoffs=handoffs)
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
        "teams": wire(
            TeamSummaryRepresentation(team_list(workspace_id=bot.workspace_id), many=True)
        ),
        # The queue's order, most pressing first (the list's filter and badges follow it).
        "priorities": list(PRIORITIES),
        "templates": [
            {"name": t.name, "text": t.text, "choices": t.choice_list} for t in bot.templates.all()
        ],
        # What the composer's file picker offers; the server checks each file's content anyway.
        "uploadTypes": list(settings.AGENT_UPLOAD_TYPES),
        "agents": agents,
        "handoffs": _represent(handoffs, membership),
        "handoffsNext": next_url,
        # The first `handoffsPage` of `handoffs` are the list's first page; a selected handoff
        # off that page comes after them.
        "handoffsPage": page_length,
        "pageSize": PAGE_SIZE,
        "counts": handoff_view_counts(bot=bot, viewer_id=user.pk, teams=DEFAULT_TEAMS),
        "selectedId": selected.pk if selected is not None else None,
        "messages": messages,
        "lastEventId": last_event_id,
        # agent.updated events do not name their workspace: the script needs to know.
        "workspaceCount": len(workspace_ids),
        "transcriptLimit": TRANSCRIPT_LIMIT,
        "apiBase": api_base(bot),
        "socketPath": "/ws/workspace/",
        "csrfToken": get_token(request),
    }
