"""SLA: first-response and resolution targets per bot.

A handoff's SLA state (ok, near, breached) is derived from its own timestamps and its bot's
targets, so lists and events carry it without a query per row. Each handoff, target and stage
is announced once (a unique SlaBreach row, in the announcement's transaction): near, a
notification; breached, a `handoff.sla_breached` event through the outbox (webhooks included)
and a notification, written by the sweep, or at once when a first response comes late.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from agents.models import Membership

from ..models import Bot, Conversation, Handoff, Notification, SlaBreach
from ..representations import HandoffRepresentation
from ..sla_state import TARGET_NAMES
from .events import event_emit
from .notifications import handoff_link, message_text, notify

S = Handoff.Status
T = SlaBreach.Target
ST = SlaBreach.Stage
SLA_MESSAGES: dict[tuple[str, str], Promise] = {
    (T.FIRST_RESPONSE, "passed"): gettext_lazy(
        "SLA: the first response target of %(user)s's handoff has passed."
    ),
    (T.FIRST_RESPONSE, "near"): gettext_lazy(
        "SLA: the first response target of %(user)s's handoff is near."
    ),
    (T.RESOLUTION, "passed"): gettext_lazy(
        "SLA: the resolution target of %(user)s's handoff has passed."
    ),
    (T.RESOLUTION, "near"): gettext_lazy(
        "SLA: the resolution target of %(user)s's handoff is near."
    ),
}
BREACHED_EVENT = "handoff.sla_breached"


def handoff_mark_first_response(*, conversation: Conversation) -> None:
    """In the agent message's transaction: the open handoff's first response, once; a late one
    is a breach at once (the sweep may not have passed since the target ran out)."""
    handoff = (
        Handoff.objects.filter(
            conversation=conversation, status__in=Handoff.OPEN_STATUSES, first_response_at=None
        )
        .select_related("bot")
        .first()
    )
    if handoff is None:
        return
    now = timezone.now()
    Handoff.objects.filter(pk=handoff.pk, first_response_at=None).update(first_response_at=now)
    limit = handoff.bot.sla_first_response
    if limit is not None and now >= handoff.created_at + limit:
        _alert(handoff, T.FIRST_RESPONSE, ST.BREACHED)


def handoffs_check_sla(*, now: datetime | None = None) -> int:
    """The sweep's pass: announce the open handoffs near or past a target; how many breaches."""
    now = now or timezone.now()
    bots = Bot.objects.filter(Q(sla_first_response__isnull=False) | Q(sla_resolution__isnull=False))
    count = 0
    for bot in bots:
        open_ = Handoff.objects.filter(bot=bot, status__in=Handoff.OPEN_STATUSES)
        running: list[tuple[str, timedelta, QuerySet[Handoff]]] = []
        if bot.sla_first_response is not None:
            running.append(
                (T.FIRST_RESPONSE, bot.sla_first_response, open_.filter(first_response_at=None))
            )
        if bot.sla_resolution is not None:
            running.append((T.RESOLUTION, bot.sla_resolution, open_))
        for target, limit, handoffs in running:
            late = handoffs.filter(created_at__lte=now - limit)
            for handoff in _not_alerted(late, target, ST.BREACHED):
                count += _alert(handoff, target, ST.BREACHED)
            near = handoffs.filter(
                created_at__lte=now - limit * bot.sla_warning_percent / 100,
                created_at__gt=now - limit,
            )
            for handoff in _not_alerted(near, target, ST.NEAR):
                _alert(handoff, target, ST.NEAR)
    return count


def _not_alerted(handoffs: QuerySet[Handoff], target: str, stage: str) -> QuerySet[Handoff]:
    # Only those not announced yet: each stage is read once, however long the handoff stays.
    alerted = SlaBreach.objects.filter(handoff=OuterRef("pk"), target=target, stage=stage)
    return handoffs.exclude(Exists(alerted)).select_related("bot", "conversation__end_user")


def _alert(handoff: Handoff, target: str, stage: str) -> int:
    try:
        with transaction.atomic():
            SlaBreach.objects.create(
                handoff=handoff, bot_id=handoff.bot_id, target=target, stage=stage
            )
            _announce(handoff, target, stage)
    except IntegrityError:
        return 0  # announced already, by another sweep or the late first response
    return 1


def _announce(handoff: Handoff, target: str, stage: str) -> None:
    handoff = (
        Handoff.objects.select_related("bot", "agent__agent_profile", "conversation__end_user")
        .prefetch_related("labels", "conversation__notes__author__agent_profile")
        .get(pk=handoff.pk)
    )
    user = handoff.conversation.end_user.display_name
    if stage == ST.BREACHED:
        payload = dict(HandoffRepresentation(handoff).data)
        limit = (
            handoff.bot.sla_first_response
            if target == T.FIRST_RESPONSE
            else handoff.bot.sla_resolution
        )
        payload["sla_breach"] = {
            "target": TARGET_NAMES[target],
            "target_seconds": int(limit.total_seconds()) if limit else None,
        }
        event_emit(bot=handoff.bot, type=BREACHED_EVENT, resource="handoff", payload=payload)
        level = Notification.Level.ERROR
        message = message_text(SLA_MESSAGES[target, "passed"], user=user)
    else:
        level = Notification.Level.WARNING
        message = message_text(SLA_MESSAGES[target, "near"], user=user)
    # The holder if any (it is theirs to act on), else everyone who may take it.
    recipients: Any = (
        [handoff.agent_id]
        if handoff.agent_id
        else Membership.objects.filter(workspace_id=handoff.bot.workspace_id).values_list(
            "user_id", flat=True
        )
    )
    notify(
        workspace_id=handoff.bot.workspace_id,
        recipient_ids=recipients,
        kind=Notification.Kind.SLA_WARNING,
        level=level,
        message=message,
        link=handoff_link(handoff),
        bot=handoff.bot,
        conversation=handoff.conversation,
        handoff=handoff,
    )
