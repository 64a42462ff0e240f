"""The handoff lifecycle: pending -> assigned -> resolved, also rejected and expired."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final, Literal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from agents import limits
from agents.errors import Forbidden, InvalidTransition, Unprocessable
from agents.models import Membership, Team
from agents.selectors import agent_display_name

from ..models import Bot, Conversation, Handoff, Label
from ..models.handoffs import DEFAULT_PRIORITY
from ..permissions import holds_or_admin, is_present
from ..representations import AgentRepresentation, wire
from . import business_hours, csat, notifications, queue, queue_position, routing
from .conversations import conversation_pause, conversation_release
from .events import handoff_emit
from .messages import message_send_system
from .texts import localized, render

S = Handoff.Status


def _notify_user(handoff: Handoff, messages: dict[str, str], **values: Any) -> None:
    conversation = handoff.conversation
    text = localized(messages=messages, bot=handoff.bot, end_user=conversation.end_user)
    payload = {"type": "text", **({"agent": values["agent"]} if "agent" in values else {})}
    message_send_system(
        conversation=conversation,
        text=render(text, agentName=values.get("agent_name", "")),
        payload=payload,
    )


def _membership(handoff: Handoff, user: User, *, lock: bool = False) -> Membership:
    queryset = Membership.objects.filter(workspace_id=handoff.bot.workspace_id, user_id=user.pk)
    if lock:
        queryset = queryset.select_for_update()
    membership = queryset.first()
    if membership is None:
        raise Forbidden("This agent is not a member of the handoff's workspace.")
    return membership


def _require_online(membership: Membership) -> None:
    if not is_present(membership):
        # Botpress HITL-next's wording, which its clients show as is.
        raise Unprocessable("You must be online to perform this action", code="agent_offline")


def _require_holder_or_admin(handoff: Handoff, actor: User) -> Membership:
    if handoff.status != S.ASSIGNED:
        # Nobody holds it: the action no longer applies, which matters more than who asks.
        raise _conflict(handoff)
    membership = _membership(handoff, actor)
    if not holds_or_admin(handoff, membership):
        raise Forbidden(
            "Only the assigned agent or an admin can do this.", code="not_assigned_agent"
        )
    return membership


def _require_may_close(handoff: Handoff, actor: User) -> None:
    """Reject, or unpause (which resolves): permissions.may_close, each refusal with its error
    (a waiting handoff, held by nobody, any online member may close)."""
    if handoff.status == S.ASSIGNED:
        membership = _require_holder_or_admin(handoff, actor)
    else:
        membership = _membership(handoff, actor)
    _require_online(membership)


def _transition(handoff: Handoff, allowed_from: tuple[str, ...], **changes: Any) -> Handoff:
    """Conditional UPDATE: of two agents acting at once, exactly one matches the old state."""
    updated = Handoff.objects.filter(pk=handoff.pk, status__in=allowed_from).update(
        **changes, updated_at=timezone.now()
    )
    handoff.refresh_from_db()
    if not updated:
        raise _conflict(handoff)
    return handoff


def _conflict(handoff: Handoff) -> InvalidTransition:
    if handoff.status == S.ASSIGNED and handoff.agent is not None:
        message = f"This handoff is already assigned to {agent_display_name(handoff.agent)}."
    else:
        message = f"This handoff is {handoff.status}; the action no longer applies."
    return InvalidTransition(
        message,
        code=f"handoff_{handoff.status}",
        extra={"status": handoff.status, "agentId": handoff.agent_id},
    )


def _check_capacity(handoff: Handoff, agent: User, membership: Membership) -> None:
    """Call with the agent's membership row locked, so concurrent assigns count in turn."""
    open_count = Handoff.objects.filter(
        bot__workspace_id=handoff.bot.workspace_id, agent=agent, status=S.ASSIGNED
    ).count()
    # The agent's own capacity overrides the bot's.
    capacity = membership.capacity
    if capacity is None:
        capacity = handoff.bot.agent_capacity
    if open_count >= capacity:
        raise Unprocessable(
            f"{agent_display_name(agent)} already holds {open_count} handoffs "
            f"(capacity {capacity}).",
            code="agent_at_capacity",
        )


def _agent_card(agent: User) -> dict[str, Any]:
    # Message payloads escape the camel-casing (they are channel data): camel-case this one here.
    return wire(AgentRepresentation(agent))


BOT_TIMEOUT: Final = "bot"


def handoff_request(
    *,
    conversation: Conversation,
    timeout: timedelta | None | Literal["bot"] = BOT_TIMEOUT,
    reason: str = "",
    require_agent: bool = False,
    team: Team | None = None,
    priority: str = DEFAULT_PRIORITY,
) -> tuple[Handoff, bool]:
    """Open a handoff: pause the bot, tell the user, alert the agents. Idempotent while open.

    `timeout` None: the handoff never expires; BOT_TIMEOUT: the bot's `handoff_timeout`.
    With `require_agent` and nobody online, the handoff is rejected at once and the bot keeps
    the conversation (it learns `noAgent` from the handoff.created event). `team` and
    `priority` apply to a new handoff only; an open one is answered as it is.
    """
    bot: Bot = conversation.bot
    if timeout == BOT_TIMEOUT:
        timeout = bot.handoff_timeout
    if not Handoff.objects.filter(
        conversation=conversation, status__in=Handoff.OPEN_STATUSES
    ).exists():
        # Only a new handoff counts: asking again while one is open answers with it.
        limits.check(
            "handoff_user",
            conversation.end_user_id,
            "This user asked for a human too often; try again later.",
        )
    try:
        with transaction.atomic():
            if business_hours.refuses_now(bot=bot):
                # Refused, not queued: the bot keeps the user and hears outsideBusinessHours.
                handoff = Handoff.objects.create(
                    bot=bot,
                    conversation=conversation,
                    status=S.REJECTED,
                    resolved_at=timezone.now(),
                    close_reason=Handoff.OUTSIDE_HOURS,
                )
                handoff_emit(handoff, "handoff.created")
                return handoff, True
            if require_agent and not queue.agents_available(bot=bot):
                handoff = Handoff.objects.create(
                    bot=bot,
                    conversation=conversation,
                    status=S.REJECTED,
                    resolved_at=timezone.now(),
                    team=team,
                    priority=priority,
                )
                handoff_emit(handoff, "handoff.created")
                return handoff, True
            handoff = Handoff.objects.create(
                bot=bot,
                conversation=conversation,
                expires_at=timezone.now() + timeout if timeout else None,
                team=team,
                priority=priority,
            )
            handoff_emit(handoff, "handoff.created")
            notifications.notify_handoff_new(handoff=handoff)
            conversation_pause(conversation=conversation, reason=reason or "handoff")
            _notify_user(handoff, bot.transfer_message)
            business_hours.tell_if_closed(handoff=handoff)
            queue.auto_assign_if_enabled(bot=bot)
            queue_position.tell_on_request(handoff=handoff)
    except IntegrityError:
        # The conditional unique constraint: this conversation already has an open handoff.
        existing = Handoff.objects.get(conversation=conversation, status__in=Handoff.OPEN_STATUSES)
        return existing, False
    return handoff, True


@transaction.atomic
def handoff_assign(*, handoff: Handoff, agent: User, actor: User | None = None) -> Handoff:
    """Give a pending handoff to an agent; exactly one of concurrent callers wins."""
    actor = actor or agent
    actor_membership = _membership(handoff, actor)
    if actor.pk != agent.pk and not actor_membership.is_admin:
        raise Forbidden("Only an admin can assign a handoff to someone else.")
    _require_online(actor_membership)
    agent_membership = _membership(handoff, agent, lock=True)
    if not actor_membership.is_admin:
        _check_capacity(handoff, agent, agent_membership)
    return assign_unchecked(handoff=handoff, agent=agent, actor=actor)


def assign_unchecked(*, handoff: Handoff, agent: User, actor: User | None = None) -> Handoff:
    """The assignment itself; callers have checked who may assign and the agent's capacity.

    `actor=None` is the auto-assigner; the agent is told unless they took the handoff.
    """
    _transition(
        handoff, (S.PENDING,), status=S.ASSIGNED, agent_id=agent.pk, assigned_at=timezone.now()
    )
    handoff_emit(handoff)
    if actor is None or actor.pk != agent.pk:
        notifications.notify_handoff_assigned(handoff=handoff, agent=agent, actor=actor)
    _notify_user(
        handoff,
        handoff.bot.assign_message,
        agent_name=agent_display_name(agent),
        agent=_agent_card(agent),
    )
    return handoff


@transaction.atomic
def handoff_resolve(*, handoff: Handoff, actor: User) -> Handoff:
    _require_online(_require_holder_or_admin(handoff, actor))
    _transition(handoff, (S.ASSIGNED,), status=S.RESOLVED, resolved_at=timezone.now())
    return _close(handoff, handoff.bot.resolve_message)


@transaction.atomic
def handoff_reject(*, handoff: Handoff, actor: User | None) -> Handoff:
    """Close without an agent; `actor=None` is the bot or system (an API token) declining."""
    if actor is not None:
        _require_may_close(handoff, actor)
    _transition(handoff, (S.PENDING, S.ASSIGNED), status=S.REJECTED, resolved_at=timezone.now())
    return _close(handoff, {})


@transaction.atomic
def handoff_expire(*, handoff: Handoff) -> Handoff:
    _transition(handoff, (S.PENDING,), status=S.EXPIRED, resolved_at=timezone.now())
    return _close(handoff, handoff.bot.expire_message)


@transaction.atomic
def handoff_requeue(*, handoff: Handoff, actor: User) -> Handoff:
    """Put an assigned handoff back in the queue; it keeps its place by creation time."""
    _require_holder_or_admin(handoff, actor)
    return handoff_release(handoff=handoff)


def handoff_release(*, handoff: Handoff) -> Handoff:
    """Back to the queue, nobody's to check: handoff_requeue's after its check, or its agent
    lost access to the workspace (agent_access_revoked)."""
    _transition(handoff, (S.ASSIGNED,), status=S.PENDING, agent=None, assigned_at=None)
    handoff_emit(handoff)
    return handoff


@transaction.atomic
def handoff_transfer(*, handoff: Handoff, to_agent: User, actor: User) -> Handoff:
    _require_online(_require_holder_or_admin(handoff, actor))
    target = _membership(handoff, to_agent, lock=True)
    if not target.online:
        raise Unprocessable(
            f"{agent_display_name(to_agent)} is offline.", code="target_agent_offline"
        )
    _check_capacity(handoff, to_agent, target)
    # Matching the holder too: a transfer racing a requeue or another transfer must lose.
    updated = Handoff.objects.filter(
        Q(pk=handoff.pk, status=S.ASSIGNED, agent_id=handoff.agent_id)
    ).update(agent_id=to_agent.pk, assigned_at=timezone.now(), updated_at=timezone.now())
    handoff.refresh_from_db()
    if not updated:
        raise _conflict(handoff)
    handoff_emit(handoff)
    if to_agent.pk != actor.pk:
        notifications.notify_handoff_transferred(handoff=handoff, to_agent=to_agent, actor=actor)
    _notify_user(
        handoff,
        handoff.bot.assign_message,
        agent_name=agent_display_name(to_agent),
        agent=_agent_card(to_agent),
    )
    return handoff


@transaction.atomic
def handoff_set_labels(*, handoff: Handoff, names: list[str], actor: User | None = None) -> Handoff:
    """Replace the handoff's labels; Botpress tags are free text, so unknown names are created."""
    if actor is not None:
        _membership(handoff, actor)
    labels = []
    for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
        label, _ = Label.objects.get_or_create(bot=handoff.bot, name=name[:60])
        labels.append(label)
    handoff.labels.set(labels)
    handoff_emit(handoff)
    # The bot's tag-to-team rules route a handoff that no team was named for.
    routing.team_from_tags(handoff=handoff, names=[label.name for label in labels])
    return handoff


def _close(handoff: Handoff, messages: dict[str, str]) -> Handoff:
    handoff_emit(handoff)
    _notify_user(handoff, messages)
    csat.csat_ask(handoff=handoff)
    conversation_release(conversation=handoff.conversation)
    # A closed handoff may free an agent's capacity for the next one in the queue.
    queue.auto_assign_if_enabled(bot=handoff.bot)
    return handoff


@transaction.atomic
def conversation_unpause(*, conversation: Conversation, actor: User | None = None) -> Conversation:
    """Hand the user back to the bot; an open handoff is closed as resolved.

    `actor=None` is the bot or system (an API token), which may always take its user back.
    """
    open_handoff = (
        Handoff.objects.filter(conversation=conversation, status__in=Handoff.OPEN_STATUSES)
        .select_related("bot", "conversation__end_user")
        .first()
    )
    if open_handoff is not None:
        if actor is not None:
            _require_may_close(open_handoff, actor)
        _transition(
            open_handoff, Handoff.OPEN_STATUSES, status=S.RESOLVED, resolved_at=timezone.now()
        )
        _close(open_handoff, open_handoff.bot.resolve_message)
    return conversation_release(conversation=conversation)
