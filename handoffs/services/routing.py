"""Where a handoff goes and how soon: its team and its priority (README "Teams, priorities,
capacity")."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from agents.errors import Forbidden
from agents.models import Team

from ..models import Handoff, TeamRule
from ..permissions import may_route
from . import handoffs as lifecycle
from . import queue
from .events import handoff_emit

S = Handoff.Status


def _update_open(handoff: Handoff, **changes: object) -> Handoff:
    """Conditional UPDATE of an open handoff: a closed one refuses with its state."""
    updated = Handoff.objects.filter(pk=handoff.pk, status__in=Handoff.OPEN_STATUSES).update(
        **changes, updated_at=timezone.now()
    )
    handoff.refresh_from_db()
    if not updated:
        raise lifecycle._conflict(handoff)
    return handoff


def _require_may_route(handoff: Handoff, actor: User) -> None:
    """permissions.may_route, each refusal with its error."""
    membership = lifecycle._membership(handoff, actor)
    if not handoff.is_open:
        raise lifecycle._conflict(handoff)
    if handoff.status == S.ASSIGNED:
        lifecycle._require_holder_or_admin(handoff, actor)
    lifecycle._require_online(membership)
    if not may_route(handoff, membership):
        raise Forbidden("Only the assigned agent or an admin can do this.")


@transaction.atomic
def handoff_set_priority(*, handoff: Handoff, priority: str, actor: User | None = None) -> Handoff:
    """Change an open handoff's priority; the queue reorders (`actor=None`: the bot, a token)."""
    if actor is not None:
        _require_may_route(handoff, actor)
    if handoff.priority == priority and handoff.is_open:
        return handoff  # changing nothing emits nothing
    _update_open(handoff, priority=priority)
    handoff_emit(handoff)
    return handoff


@transaction.atomic
def handoff_transfer_team(*, handoff: Handoff, team: Team, actor: User) -> Handoff:
    """Give a handoff to a team: a waiting one changes team (any present member may), an
    assigned one (its agent or an admin) goes back to the queue for that team; the user is
    told as on a new handoff, and automatic assignment picks among the team."""
    _require_may_route(handoff, actor)
    if team.workspace_id != handoff.bot.workspace_id:
        raise Forbidden("This team is not of the handoff's workspace.")
    was_assigned = handoff.status == S.ASSIGNED
    if was_assigned:
        # Matching the holder: a transfer racing a requeue or another transfer must lose.
        updated = Handoff.objects.filter(
            pk=handoff.pk, status=S.ASSIGNED, agent_id=handoff.agent_id
        ).update(
            status=S.PENDING, agent=None, assigned_at=None, team=team, updated_at=timezone.now()
        )
        handoff.refresh_from_db()
        if not updated:
            raise lifecycle._conflict(handoff)
    else:
        updated = Handoff.objects.filter(pk=handoff.pk, status=S.PENDING).update(
            team=team, updated_at=timezone.now()
        )
        handoff.refresh_from_db()
        if not updated:
            raise lifecycle._conflict(handoff)
    handoff_emit(handoff)
    if was_assigned:
        lifecycle._notify_user(handoff, handoff.bot.transfer_message)
    queue.auto_assign_if_enabled(bot=handoff.bot)
    return handoff


def team_from_tags(*, handoff: Handoff, names: Iterable[str]) -> Handoff:
    """Apply the bot's tag-to-team rules to a waiting handoff without a team: the first of
    `names` that has a rule names the team. An assigned handoff keeps its agent."""
    if handoff.team_id is not None or handoff.status != S.PENDING:
        return handoff
    names = list(names)
    rules = {
        rule.tag: rule.team_id
        for rule in TeamRule.objects.filter(bot_id=handoff.bot_id, tag__in=names)
    }
    team_id = next((rules[name] for name in names if name in rules), None)
    if team_id is None:
        return handoff
    updated = Handoff.objects.filter(pk=handoff.pk, status=S.PENDING, team__isnull=True).update(
        team_id=team_id, updated_at=timezone.now()
    )
    handoff.refresh_from_db()
    if updated:
        handoff_emit(handoff)
        queue.auto_assign_if_enabled(bot=handoff.bot)
    return handoff
