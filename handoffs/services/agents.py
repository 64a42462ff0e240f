"""Agent availability lives here: it is part of routing handoffs, and it emits events."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Case, F, Max, Value, When
from django.utils import timezone

from agents.models import AgentProfile, Membership

from ..models import Bot, Handoff
from ..realtime import publisher
from ..representations import AgentStatusRepresentation
from .events import event_emit, events_emit_private
from .handoffs import handoff_release
from .queue import auto_assign_if_enabled, handoff_auto_assign


def _emit_agent(membership: Membership) -> None:
    event_emit(
        bot=None,
        workspace_id=membership.workspace_id,
        type="agent.updated",
        resource="agent",
        payload=AgentStatusRepresentation(membership).data,
    )


@transaction.atomic
def agent_set_online(*, membership: Membership, online: bool) -> Membership:
    """Switch availability; changing nothing emits nothing."""
    now = timezone.now()
    changes: dict[str, Any] = {"online": online}
    if online:
        # Present now: a page closed earlier no longer counts towards the socket grace.
        changes.update(last_seen_at=now, sockets_closed_at=None)
    updated = Membership.objects.filter(pk=membership.pk).exclude(online=online).update(**changes)
    membership.refresh_from_db()
    if updated:
        _emit_agent(membership)
        if online:
            # An agent coming online takes from the queue of every auto-assigning bot.
            for bot in Bot.objects.filter(workspace_id=membership.workspace_id, auto_assign=True):
                handoff_auto_assign(bot=bot)
    return membership


@transaction.atomic
def agent_access_revoked(*, membership: Membership) -> None:
    """An agent removed from a workspace, or whose account is deactivated: offline there, and
    their assigned handoffs back in the queue. Their sockets close on the access.changed event
    and reconnect, then follow only what they may still see (or are refused)."""
    agent_set_online(membership=membership, online=False)
    held = Handoff.objects.filter(
        bot__workspace_id=membership.workspace_id,
        agent_id=membership.user_id,
        status=Handoff.Status.ASSIGNED,
    ).select_related("bot", "conversation")
    bots = {}
    for handoff in held:
        handoff_release(handoff=handoff)
        bots[handoff.bot_id] = handoff.bot
    for bot in bots.values():
        auto_assign_if_enabled(bot=bot)
    # In the outbox, private to the agent: a socket that missed the live publish gets it from
    # the catch-up, and closes all the same.
    events_emit_private(
        bot=None,
        workspace_id=membership.workspace_id,
        type=publisher.ACCESS_EVENT,
        resource="agent",
        payloads={membership.user_id: {"agent_id": membership.user_id}},
    )


def agent_touch(*, user: AbstractBaseUser) -> None:
    """Record activity (a socket message, an API call) for the session timeout; an agent
    active on the API is present even if their page closed."""
    Membership.objects.filter(user=user).update(last_seen_at=timezone.now(), sockets_closed_at=None)


def agent_socket_opened(*, user: AbstractBaseUser) -> list[int]:
    """Count a workspace socket; returns the ids of the workspaces it may follow."""
    memberships = Membership.objects.filter(user=user)
    memberships.update(
        open_sockets=F("open_sockets") + 1, last_seen_at=timezone.now(), sockets_closed_at=None
    )
    return list(memberships.values_list("workspace_id", flat=True))


def agent_socket_closed(*, user: AbstractBaseUser) -> None:
    now = timezone.now()
    Membership.objects.filter(user=user, open_sockets__gt=0).update(
        # First, and from the row's value before this UPDATE: 1 means this was the last socket.
        sockets_closed_at=Case(
            When(open_sockets=1, then=Value(now)), default=F("sockets_closed_at")
        ),
        open_sockets=F("open_sockets") - 1,
        last_seen_at=now,
    )


@transaction.atomic
def agent_profile_update(
    *, user: AbstractBaseUser, display_name: str | None = None, avatar: Any = None
) -> AgentProfile:
    profile, _ = AgentProfile.objects.get_or_create(user=user)
    if display_name is not None:
        profile.display_name = display_name.strip()[:120]
    if avatar is not None:
        profile.avatar = avatar
    profile.save()
    for membership in Membership.objects.filter(user=user).select_related("user__agent_profile"):
        _emit_agent(membership)
    return profile


# A page reload closes and reopens the socket: only a longer absence takes the agent offline.
SOCKET_GRACE = timedelta(seconds=60)


def agents_sweep_offline(*, now: datetime | None = None) -> int:
    """Offline: agents silent longer than their bots' session timeout, or whose last socket
    closed longer than the grace period ago (an agent on the API alone has no socket to close)."""
    now = now or timezone.now()
    # With several bots in a workspace the most lenient timeout applies.
    timeouts = dict(Bot.objects.values_list("workspace_id").annotate(Max("agent_session_timeout")))
    count = 0
    online = Membership.objects.filter(online=True).select_related("user__agent_profile")
    for membership in online:
        timeout = timeouts.get(membership.workspace_id)
        silent_for = now - membership.last_seen_at if membership.last_seen_at else None
        gone = silent_for is None or (timeout is not None and silent_for > timeout)
        closed = membership.sockets_closed_at
        left = membership.open_sockets == 0 and closed is not None and now - closed > SOCKET_GRACE
        if gone or left:
            agent_set_online(membership=membership, online=False)
            count += 1
    return count
