"""The agent workspace: server-rendered first, then kept live by static/hitl/workspace.js."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from agents.models import Membership
from agents.selectors import membership_get

from ..models import Bot
from ..selectors import bot_get
from .auth import AuthenticatedHttpRequest
from .bell import bell_state
from .state import bots_of, profile_entries, workspace_state


def _member_bot(request: AuthenticatedHttpRequest, bot_id: str) -> tuple[Bot, Membership]:
    """The bot and the caller's membership; another workspace's bot is as unknown as none."""
    bot = bot_get(bot_id=bot_id)
    membership = (
        membership_get(workspace_id=bot.workspace_id, user_id=request.user.pk) if bot else None
    )
    if bot is None or membership is None:
        raise Http404("Unknown bot.")
    return bot, membership


@login_required
def workspace_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    bots = list(bots_of(user=request.user))
    if len(bots) == 1:
        return redirect("workspace-bot", bot_id=bots[0].bot_id)
    is_member = Membership.objects.filter(user=request.user).exists()
    return render(
        request, "handoffs/workspace/choose_bot.html", {"bots": bots, "is_member": is_member}
    )


@login_required
def workspace_page(request: AuthenticatedHttpRequest, bot_id: str) -> HttpResponse:
    bot, membership = _member_bot(request, bot_id)
    try:
        selected_id = int(request.GET["handoff"])
    except (KeyError, ValueError):
        selected_id = None
    state = workspace_state(
        request=request, bot=bot, membership=membership, selected_id=selected_id
    )
    handoffs = state["handoffs"]
    bots = list(bots_of(user=request.user))
    selected = next((h for h in handoffs if h["id"] == state["selectedId"]), None)
    counts = state["counts"]
    context = {
        "pending_count": counts["unassigned"],
        "has_default_items": bool(counts["unassigned"] or counts["mine"]),
        "bot": bot,
        "bots": bots,
        "state": state,
        "selected": selected,
        "actions": selected["allowedActions"] if selected else {},
        "profile": profile_entries(selected["user"]["attributes"]) if selected else [],
        "online_agents": [a for a in state["agents"] if a["online"]],
        "bell": bell_state(user=request.user, bots=bots),
        "is_admin": membership.is_admin,
    }
    return render(request, "handoffs/workspace/page.html", context)
