"""Every conversation of the agent's bots, paused or not (Botpress's legacy HITL panel).

Server-rendered first, kept live by static/hitl/conversations.js; pausing, unpausing and writing
go through the REST API (the legacy `mod/hitl/sessions/<id>/pause|unpause` paths), so the page
runs exactly the services a bot's own call would.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from rest_framework.exceptions import ValidationError

from agents.models import Membership
from agents.selectors import agent_display_name

from ..api.cursors import conversation_cursor, conversation_position
from ..models import Bot, Event
from ..representations import ConversationSummaryRepresentation, wire
from ..selectors import conversation_keyset_after, conversation_list
from .auth import AuthenticatedHttpRequest
from .bell import api_base, bell_state
from .state import TRANSCRIPT_LIMIT, bots_of
from .workspace import _member_bot

PAGE_SIZE = 50
KNOWN_CHANNELS = ("web", "messenger", "api", "telegram", "whatsapp")


def _filters(request: HttpRequest) -> dict[str, Any]:
    """The list's filters from the query string; values the form cannot produce are ignored."""
    paused = {"true": True, "false": False}.get(request.GET.get("paused", ""))
    return {
        "search": _text(request, "search")[:200],
        "channel": _text(request, "channel")[:40],
        "paused": paused,
    }


def _text(request: HttpRequest, name: str) -> str:
    # PostgreSQL refuses NUL in a query parameter; no search needs one.
    return request.GET.get(name, "").replace("\x00", "").strip()


def _page(bots: list[Bot], filters: dict[str, Any], cursor: str) -> tuple[list, str | None, bool]:
    """One page, the next page's cursor, and whether this is the first page."""
    conversations = conversation_list(
        bots=bots,
        query=filters["search"],
        channel=filters["channel"] or None,
        paused=filters["paused"],
    )
    if cursor:
        try:
            moment, last_id = conversation_position(cursor)
        except ValidationError:
            cursor = ""  # an edited link shows the first page
        else:
            conversations = conversation_keyset_after(
                conversations, activity_at=moment, last_id=last_id
            )
    page = list(conversations[: PAGE_SIZE + 1])
    next_cursor = conversation_cursor(page[PAGE_SIZE - 1]) if len(page) > PAGE_SIZE else None
    return page[:PAGE_SIZE], next_cursor, not cursor


def _bot_entry(bot: Bot) -> dict[str, Any]:
    """What the script needs per bot: its APIs."""
    return {
        "name": bot.name,
        "api": api_base(bot),
        "legacy": f"/api/v1/bots/{bot.bot_id}/mod/hitl/",
    }


def _selected_id(request: HttpRequest) -> int | None:
    try:
        return int(request.GET["conversation"])
    except (KeyError, ValueError):
        return None


@login_required
def conversations_page(
    request: AuthenticatedHttpRequest, bot_id: str | None = None
) -> HttpResponse:
    user = request.user
    all_bots = list(bots_of(user=user))
    if bot_id is not None:
        bot, _ = _member_bot(request, bot_id)
        scope = [bot]
    else:
        bot, scope = None, all_bots
    # Read before the list: the socket replays from here, so nothing in between is missed.
    workspace_ids = sorted({b.workspace_id for b in all_bots})
    last_event_id = (
        Event.objects.filter(workspace_id__in=workspace_ids).aggregate(last=Max("id"))["last"] or 0
    )
    memberships = {m.workspace_id: m for m in Membership.objects.filter(user=user)}
    filters = _filters(request)
    page, next_cursor, first_page = _page(scope, filters, request.GET.get("cursor", ""))
    next_query = request.GET.copy()
    next_query.pop("conversation", None)
    if next_cursor:
        next_query["cursor"] = next_cursor
    # The adapters' channels, not a scan of every conversation; a typed-in one stays selectable.
    channels = sorted({*KNOWN_CHANNELS, *([filters["channel"]] if filters["channel"] else [])})
    state = {
        "me": {"agentId": user.pk, "name": agent_display_name(user)},
        "scopeBotId": bot.bot_id if bot else None,
        "bots": {b.bot_id: _bot_entry(b) for b in all_bots},
        "filters": filters,
        "firstPage": first_page,
        "conversations": wire(
            ConversationSummaryRepresentation(page, many=True, context={"viewers": memberships})
        ),
        "nextUrl": f"?{next_query.urlencode()}" if next_cursor else None,
        "selectedId": _selected_id(request),
        "lastEventId": last_event_id,
        "transcriptLimit": TRANSCRIPT_LIMIT,
        "socketPath": "/ws/workspace/",
        "csrfToken": get_token(request),
        "uploadTypes": list(settings.AGENT_UPLOAD_TYPES),
    }
    context = {
        "bot": bot,
        "bots": all_bots,
        "state": state,
        "filters": filters,
        "channels": channels,
        "bell": bell_state(user=user, bots=all_bots),
        "next_url": state["nextUrl"],
        "first_page_url": "?" + _without(request, "cursor", "conversation"),
    }
    return render(request, "handoffs/workspace/conversations.html", context)


def _without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()
