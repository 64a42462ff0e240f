"""Abandoned handoffs: an assigned handoff whose agent went away, or never answered, goes back
to the queue (or to auto-assignment) with a system note and a notification.

Both limits are per bot and off by default (Bot.offline_requeue_after, first_response_limit);
the sweep runs the check every pass.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from agents.models import Membership
from agents.selectors import agent_display_name

from ..models import Bot, Handoff, Message, Note, Notification
from ..representations import NoteRepresentation
from .events import event_emit
from .handoffs import handoff_release
from .notifications import handoff_link, notify
from .queue import auto_assign_if_enabled

S = Handoff.Status
OFFLINE = "offline"
NO_FIRST_RESPONSE = "no_first_response"


def handoffs_requeue_abandoned(*, now: datetime | None = None) -> int:
    """Requeue the handoffs of offline agents and those without a first response; how many."""
    now = now or timezone.now()
    bots = Bot.objects.filter(
        Q(offline_requeue_after__isnull=False) | Q(first_response_limit__isnull=False)
    )
    count = 0
    for bot in bots:
        requeued = 0
        if bot.offline_requeue_after is not None:
            for handoff in _held_by_offline(bot, now - bot.offline_requeue_after):
                requeued += _requeue(handoff, OFFLINE, bot.offline_requeue_after)
        if bot.first_response_limit is not None:
            for handoff in _unanswered(bot, now - bot.first_response_limit):
                requeued += _requeue(handoff, NO_FIRST_RESPONSE, bot.first_response_limit)
        if requeued:
            # After the requeues committed, not while a handoff row is locked: auto-assignment
            # locks memberships first, as handoff_assign does, so no lock order is reversed.
            auto_assign_if_enabled(bot=bot)
        count += requeued
    return count


def _assigned(bot: Bot) -> QuerySet[Handoff]:
    return Handoff.objects.filter(bot=bot, status=S.ASSIGNED).select_related(
        "bot", "agent__agent_profile", "conversation__end_user"
    )


def _held_by_offline(bot: Bot, silent_since: datetime) -> list[Handoff]:
    # Offline and silent: an agent who switched off but still works on the API is not gone.
    away = Membership.objects.filter(workspace_id=bot.workspace_id, online=False).filter(
        Q(last_seen_at__isnull=True) | Q(last_seen_at__lte=silent_since)
    )
    return list(_assigned(bot).filter(agent_id__in=away.values("user_id")))


def _answered_since_assignment() -> Exists:
    return Exists(
        Message.objects.filter(
            conversation_id=OuterRef("conversation_id"),
            direction=Message.Direction.AGENT,
            created_at__gte=OuterRef("assigned_at"),
        )
    )


def _unanswered(bot: Bot, assigned_before: datetime) -> list[Handoff]:
    return list(
        _assigned(bot)
        .filter(assigned_at__lte=assigned_before)
        .exclude(_answered_since_assignment())
    )


def _explain(reason: str, agent_name: str, limit: timedelta) -> str:
    minutes = max(1, round(limit.total_seconds() / 60))
    if reason == OFFLINE:
        return f"Back in the queue: {agent_name} went offline (more than {minutes} min)."
    return f"Back in the queue: {agent_name} did not answer within {minutes} min."


@transaction.atomic
def _requeue(handoff: Handoff, reason: str, limit: timedelta) -> int:
    # Locked and checked again: the agent may have answered, come back, or another sweep may
    # have requeued it since the query.
    locked = (
        Handoff.objects.select_for_update(of=("self",))
        .filter(
            pk=handoff.pk,
            status=S.ASSIGNED,
            agent_id=handoff.agent_id,
            assigned_at=handoff.assigned_at,
        )
        .first()
    )
    if locked is None:
        return 0
    if reason == NO_FIRST_RESPONSE and (
        Handoff.objects.filter(pk=handoff.pk).filter(_answered_since_assignment()).exists()
    ):
        return 0
    agent = handoff.agent
    agent_name = agent_display_name(agent) if agent is not None else "The agent"
    handoff_release(handoff=handoff)
    text = _explain(reason, agent_name, limit)
    note = Note.objects.create(
        conversation=handoff.conversation, handoff=handoff, author=None, text=text
    )
    event_emit(
        bot=handoff.bot,
        type="note.created",
        resource="note",
        payload=NoteRepresentation(note).data,
    )
    members = Membership.objects.filter(workspace_id=handoff.bot.workspace_id)
    notify(
        workspace_id=handoff.bot.workspace_id,
        recipient_ids=members.values_list("user_id", flat=True),
        kind=Notification.Kind.HANDOFF_REQUEUED,
        level=Notification.Level.WARNING,
        message=f"{handoff.conversation.end_user.display_name}: {text}",
        link=handoff_link(handoff),
        bot=handoff.bot,
        conversation=handoff.conversation,
        handoff=handoff,
    )
    return 1
