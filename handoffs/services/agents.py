"""Agent availability lives here: it is part of routing handoffs, and it emits events."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache, partial
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from agents.models import AgentProfile, Membership, SocketLease
from agents.sql import column, table

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
    """Switch availability; changing nothing emits nothing. Online is available (not busy),
    as Botpress's online is."""
    now = timezone.now()
    changes: dict[str, Any] = {"online": online, "busy": False}
    if online:
        # Present now: a page closed earlier no longer counts towards the socket grace.
        changes.update(last_seen_at=now, sockets_closed_at=None)
    updated = (
        Membership.objects.filter(pk=membership.pk)
        .exclude(online=online, busy=False)
        .update(**changes)
    )
    membership.refresh_from_db()
    if updated:
        _emit_agent(membership)
        if online:
            # An agent coming online takes from the queue of every auto-assigning bot.
            for bot in Bot.objects.filter(workspace_id=membership.workspace_id, auto_assign=True):
                handoff_auto_assign(bot=bot)
    return membership


AGENT_STATUSES = ("online", "busy", "offline")


@transaction.atomic
def agent_set_status(*, membership: Membership, status: str) -> Membership:
    """`online`, `offline`, or `busy`: online (may take and resolve handoffs) but given no new
    ones by automatic assignment."""
    if status != "busy":
        return agent_set_online(membership=membership, online=status == "online")
    now = timezone.now()
    updated = (
        Membership.objects.filter(pk=membership.pk)
        .exclude(online=True, busy=True)
        .update(online=True, busy=True, last_seen_at=now, sockets_closed_at=None)
    )
    membership.refresh_from_db()
    if updated:
        _emit_agent(membership)
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


def agent_touch(*, user: User) -> None:
    """Record activity (a socket message, an API call) for the session timeout; an agent
    active on the API is present even if their page closed."""
    Membership.objects.filter(user=user).update(last_seen_at=timezone.now(), sockets_closed_at=None)


def agent_socket_opened(*, user: User, process: str) -> tuple[int, list[int]]:
    """Lease a workspace socket to `process`; returns the lease's id and the ids of the
    workspaces the socket may follow."""
    if connection.vendor == "postgresql":
        # Every socket's connect, ten thousand at a start: one statement, not three the ORM
        # built (bench/README.md, "10,000 sockets on one process").
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(_socket_opened_sql(), [user.pk, process, now, now, now, user.pk])
            lease_id, workspace_ids = cursor.fetchone()
        return lease_id, workspace_ids
    lease = SocketLease.objects.create(user=user, process=process)
    memberships = Membership.objects.filter(user=user)
    memberships.update(last_seen_at=lease.opened_at, sockets_closed_at=None)
    return lease.pk, list(memberships.values_list("workspace_id", flat=True))


@cache
def _socket_opened_sql() -> str:
    lease, membership = partial(column, SocketLease), partial(column, Membership)
    return f"""
        WITH lease AS (
            INSERT INTO {table(SocketLease)}
                ({lease("user")}, {lease("process")}, {lease("opened_at")}, {lease("renewed_at")})
            VALUES (%s, %s, %s, %s)
            RETURNING {lease("id")}
        ), seen AS (
            UPDATE {table(Membership)}
            SET {membership("last_seen_at")} = %s, {membership("sockets_closed_at")} = NULL
            WHERE {membership("user")} = %s
            RETURNING {membership("workspace")}
        )
        SELECT (SELECT {lease("id")} FROM lease), ARRAY(SELECT {membership("workspace")} FROM seen)
    """


def agent_socket_closed(*, user: User, lease_id: int) -> None:
    # Two statements, not one transaction over both tables: a transaction holding one of them
    # while waiting for the other deadlocked against a TRUNCATE of both (the tests' flush). The
    # sockets closing at once each check after their own delete; the last one starts the grace.
    now = timezone.now()
    SocketLease.objects.filter(pk=lease_id).delete()
    changes: dict[str, Any] = {"last_seen_at": now}
    if not _live_leases(now).filter(user=user).exists():
        changes["sockets_closed_at"] = now  # the last one: the grace starts
    Membership.objects.filter(user=user).update(**changes)


def socket_leases_renew(*, process: str) -> int:
    """A running process vouches for its sockets (every SOCKET_LEASE_RENEW)."""
    return SocketLease.objects.filter(process=process).update(renewed_at=timezone.now())


def _live_leases(now: datetime) -> QuerySet[SocketLease]:
    return SocketLease.objects.filter(renewed_at__gt=now - SOCKET_LEASE_TTL)


def socket_leases_expire(*, now: datetime) -> int:
    """A process that stopped renewing died: its sockets closed when it last vouched for them.
    Returns how many leases went."""
    expired = SocketLease.objects.filter(renewed_at__lte=now - SOCKET_LEASE_TTL)
    last_signs = dict(expired.order_by().values_list("user_id").annotate(last=Max("renewed_at")))
    if not last_signs:
        return 0
    still_open = set(
        _live_leases(now).filter(user_id__in=last_signs).values_list("user_id", flat=True)
    )
    for user_id, last in last_signs.items():
        if user_id not in still_open:
            Membership.objects.filter(user_id=user_id, sockets_closed_at__isnull=True).update(
                sockets_closed_at=last
            )
    deleted, _ = expired.delete()
    return deleted


@transaction.atomic
def agent_profile_update(
    *, user: User, display_name: str | None = None, avatar: Any = None
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
# A server process renews its sockets' leases this often; one not renewed for three times as
# long belongs to a process that died (killed, crashed) and is taken as closed then.
SOCKET_LEASE_RENEW = timedelta(seconds=15)
SOCKET_LEASE_TTL = 3 * SOCKET_LEASE_RENEW


def agents_sweep_offline(*, now: datetime | None = None) -> int:
    """Offline: agents silent longer than their bots' session timeout, or whose last socket
    closed longer than the grace period ago (an agent on the API alone has no socket to close)."""
    now = now or timezone.now()
    socket_leases_expire(now=now)
    # With several bots in a workspace the most lenient timeout applies.
    timeouts = dict(Bot.objects.values_list("workspace_id").annotate(Max("agent_session_timeout")))
    with_socket = set(_live_leases(now).values_list("user_id", flat=True))
    count = 0
    online = Membership.objects.filter(online=True).select_related("user__agent_profile")
    for membership in online:
        timeout = timeouts.get(membership.workspace_id)
        silent_for = now - membership.last_seen_at if membership.last_seen_at else None
        gone = silent_for is None or (timeout is not None and silent_for > timeout)
        closed = membership.sockets_closed_at
        left = (
            membership.user_id not in with_socket
            and closed is not None
            and now - closed > SOCKET_GRACE
        )
        if gone or left:
            agent_set_online(membership=membership, online=False)
            count += 1
    return count
