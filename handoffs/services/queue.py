"""The queue: automatic assignment to the least-loaded online agent, and expiry."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Count, F, Max, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from agents.errors import InvalidTransition
from agents.models import Membership, Team

from ..models import Bot, Handoff
from . import handoffs as lifecycle
from .notifications import handoffs_warn_expiring

S = Handoff.Status


def agents_available(*, bot: Bot) -> bool:
    return Membership.objects.filter(workspace_id=bot.workspace_id, online=True).exists()


def auto_assign_if_enabled(*, bot: Bot) -> list[Handoff]:
    if not bot.auto_assign:
        return []
    return handoff_auto_assign(bot=bot)


def handoff_auto_assign(*, bot: Bot) -> list[Handoff]:
    """Give pending handoffs, most urgent then oldest first, to online agents with room (of the
    handoff's team, if it has one), least loaded first; busy agents take none."""
    assigned = []
    while (handoff := _assign_next(bot)) is not None:
        assigned.append(handoff)
    return assigned


def _candidates(bot: Bot) -> list[Membership]:
    open_here = Q(
        user__handoffs__status=S.ASSIGNED, user__handoffs__bot__workspace_id=bot.workspace_id
    )
    return list(
        Membership.objects.filter(workspace_id=bot.workspace_id, online=True, busy=False)
        .annotate(
            load=Count("user__handoffs", filter=open_here),
            last_assigned=Max("user__handoffs__assigned_at"),
            # The agent's own capacity, else the bot's.
            room=Coalesce("capacity", Value(bot.agent_capacity)),
        )
        .filter(load__lt=F("room"))
        # Ties go to the agent idle longest: the oldest last assignment, or none at all.
        .order_by("load", F("last_assigned").asc(nulls_first=True), "pk")
        .select_related("user__agent_profile")
    )


@transaction.atomic
def _assign_next(bot: Bot) -> Handoff | None:
    # Lock the workspace's online memberships in one statement, in key order: concurrent
    # triggers queue up here instead of deadlocking, and each counts loads after the previous
    # one committed. handoff_assign locks one membership before the handoff, the same order.
    list(
        Membership.objects.select_for_update()
        .filter(workspace_id=bot.workspace_id, online=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    candidates = _candidates(bot)
    if not candidates:
        return None
    teams_of: dict[int, set[int]] = {c.pk: set() for c in candidates}
    for membership_id, team_id in Team.members.through.objects.filter(
        membership_id__in=list(teams_of)
    ).values_list("membership_id", "team_id"):
        teams_of[membership_id].add(team_id)
    covered = set().union(*teams_of.values())
    handoff = (
        # of=self: locking the joined rows too would block every insert that references them.
        Handoff.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(Q(team__isnull=True) | Q(team_id__in=covered), bot=bot, status=S.PENDING)
        .select_related("bot", "conversation__end_user")
        # The queue's order: priority (queue_rank), then age (handoff_queue_priority_idx).
        .order_by("queue_rank", "created_at", "id")
        .first()
    )
    if handoff is None:
        return None
    # Candidates are least loaded first: the first of the handoff's team is the one.
    agent = next(c for c in candidates if not handoff.team_id or handoff.team_id in teams_of[c.pk])
    return lifecycle.assign_unchecked(handoff=handoff, agent=agent.user)


def handoffs_expire_due(*, now: datetime | None = None) -> int:
    """Expire pending handoffs whose waiting time ran out; returns how many.

    Handoffs close to expiry are announced to the agents first, once each.
    """
    now = now or timezone.now()
    handoffs_warn_expiring(now=now)
    due = Handoff.objects.filter(status=S.PENDING, expires_at__lte=now).select_related(
        "bot", "conversation__end_user"
    )
    expired = 0
    for handoff in due:
        try:
            lifecycle.handoff_expire(handoff=handoff)
            expired += 1
        except InvalidTransition:
            continue  # assigned or closed since the query
    return expired
