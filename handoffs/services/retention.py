"""Retention: what the daily prune deletes, a batch at a time.

Each batch is its own transaction of at most a few thousand rows, so the first prune of a big
database never holds one giant transaction, and a worker may stop between two batches. Outbox
events younger than the replay window, or still waiting for a webhook delivery, are never
deleted.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import Bot, Conversation, Delivery, Event, Handoff, Note, Notification
from ..realtime.replay import REPLAY_WINDOW
from .agents import socket_leases_expire
from .conversations import conversations_erase
from .workers import worker_claim_due, worker_pass_record

BATCH = 5_000
# Conversations per transaction: each takes its messages along, up to 20,000 of them.
CONVERSATION_BATCH = 100
PRUNE_EVERY = timedelta(days=1)
# What a prune reports, in this order.
KINDS = (
    "webhook deliveries",
    "events",
    "notifications",
    "sessions",
    "socket leases",
    "conversations",
    "messages",
)

Step = tuple[str, int]  # what went in one batch, and how many rows


def prune(*, now: datetime | None = None) -> Counter[str]:
    """The whole prune at once (`manage.py prune`): how many rows of each kind went."""
    deleted: Counter[str] = Counter()
    for what, count in prune_steps(now=now):
        deleted[what] += count
    return deleted


def prune_summary(deleted: Counter[str]) -> str:
    return ", ".join(f"{deleted[what]} {what}" for what in KINDS)


def prune_steps(*, now: datetime | None = None) -> Iterator[Step]:
    """The prune, one batch per step: the caller may pause between two (the worker does, to
    keep expiring handoffs and sweeping presence meanwhile)."""
    now = now or timezone.now()
    days = settings.HITL
    delivered_before = now - timedelta(days=days["RETENTION_DELIVERY_DAYS"])
    yield from _batches(
        "webhook deliveries",
        Delivery.objects.filter(
            status=Delivery.Status.DELIVERED, delivered_at__lt=delivered_before
        ),
    )
    yield from _batches("events", _old_events(now))
    read_before = now - timedelta(days=days["RETENTION_NOTIFICATION_DAYS"])
    yield from _batches("notifications", Notification.objects.filter(read_at__lt=read_before))
    yield from _expired_sessions(now)
    # Left only where no sweep runs: the sweep expires them every pass, by the same rule.
    yield "socket leases", socket_leases_expire(now=now)
    # Last: a conversation a user writes to at this very moment may make its batch fail, and
    # the rest must not wait for tomorrow because of it.
    yield from _old_conversations(now)


def _batches(what: str, rows: QuerySet[Any]) -> Iterator[Step]:
    """Delete `rows` in key order, BATCH at a time, each batch in its own transaction; rows
    another model loses with them (cascades) are counted under their own kind."""
    model = rows.model
    last = None
    while True:
        page = rows if last is None else rows.filter(pk__gt=last)
        ids = list(page.order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            return
        with transaction.atomic():
            # The conditions again: a row may have changed since it was read.
            _, per_model = rows.filter(pk__in=ids).delete()
        yield what, per_model.get(model._meta.label, 0)
        cascaded = per_model.get(Delivery._meta.label, 0)
        if model is Event and cascaded:
            yield "webhook deliveries", cascaded
        last = ids[-1]


def _old_events(now: datetime) -> QuerySet[Event]:
    """Outbox events older than the retention and the replay window, that no webhook delivery
    still waits for (a disabled endpoint's pending ones wait until it is enabled again)."""
    keep = max(timedelta(days=settings.HITL["RETENTION_EVENT_DAYS"]), REPLAY_WINDOW)
    cutoff = now - keep
    waiting = Delivery.objects.filter(event=OuterRef("pk"), status=Delivery.Status.PENDING)
    old = Event.objects.filter(created_at__lt=cutoff).exclude(Exists(waiting))
    # Ids grow with time: below the first event kept is a range of the primary key, so the
    # batches never scan the recent events the prune keeps. An old event whose id is above it
    # (its transaction outlasted a younger one's) waits for the next prune.
    first_kept = (
        Event.objects.filter(created_at__gte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    return old if first_kept is None else old.filter(pk__lt=first_kept)


def _expired_sessions(now: datetime) -> Iterator[Step]:
    """What `manage.py clearsessions` deletes, in batches where the sessions are rows."""
    store: Any = import_module(settings.SESSION_ENGINE).SessionStore
    if hasattr(store, "get_model_class"):  # the database backends
        sessions = store.get_model_class().objects.filter(expire_date__lt=now)
        yield from _batches("sessions", sessions)
        return
    # Files; caches and signed cookies expire on their own. A custom backend may not say how.
    with contextlib.suppress(NotImplementedError):
        store.clear_expired()


def _closed_before(bot: Bot, cutoff: datetime) -> QuerySet[Conversation]:
    """The bot's conversations nobody has touched since `cutoff` and nobody holds: no open
    handoff, the bot not paused by hand, no handoff or note newer than that."""
    recent_handoff = Handoff.objects.filter(conversation=OuterRef("pk")).filter(
        Q(status__in=Handoff.OPEN_STATUSES) | Q(updated_at__gte=cutoff)
    )
    recent_note = Note.objects.filter(conversation=OuterRef("pk"), created_at__gte=cutoff)
    return (
        Conversation.objects.filter(bot=bot, paused=False)
        .alias(activity=Coalesce("last_message_at", "created_at"))
        .filter(activity__lt=cutoff)
        .exclude(Exists(recent_handoff))
        .exclude(Exists(recent_note))
    )


def _old_conversations(now: datetime) -> Iterator[Step]:
    """Each bot's closed conversations past its `conversation_retention_days`, with their
    messages, notes and handoffs, each told to the workspaces as `conversation.deleted`.
    Their outbox events go with the events' own retention."""
    bots = Bot.objects.filter(conversation_retention_days__isnull=False).order_by("pk")
    for bot in bots:
        assert bot.conversation_retention_days is not None
        cutoff = now - timedelta(days=bot.conversation_retention_days)
        last = 0
        while True:
            candidates = _closed_before(bot, cutoff).filter(pk__gt=last).order_by("pk")
            ids = list(candidates.values_list("pk", flat=True)[:CONVERSATION_BATCH])
            if not ids:
                break
            with transaction.atomic():
                # Locked, then checked again: a user who wrote, or a handoff requested, since
                # the read above keeps the conversation.
                conversations = list(
                    _closed_before(bot, cutoff)
                    .filter(pk__in=ids)
                    .select_related("bot", "end_user")
                    .select_for_update(of=("self",))
                    .order_by("pk")
                )
                messages = conversations_erase(conversations=conversations)
            yield "conversations", len(conversations)
            yield "messages", messages
            last = ids[-1]


class PruneRun:
    """One day's prune in a worker, a slice of batches per pass between its other work; its
    pass (`prune`) is recorded when it ends."""

    def __init__(self) -> None:
        self.started_at = timezone.now()
        self.steps = prune_steps(now=self.started_at)
        self.deleted: Counter[str] = Counter()
        self.seconds = 0.0

    def advance(self, *, budget: float | None) -> bool:
        """Run batches for about `budget` seconds (None: to the end); True once it is done."""
        began = time.monotonic()
        try:
            for what, count in self.steps:
                self.deleted[what] += count
                if budget is not None and time.monotonic() - began >= budget:
                    self.seconds += time.monotonic() - began
                    return False
        except Exception:
            self._record(began, ok=False)
            raise
        self._record(began, ok=True)
        return True

    def _record(self, began: float, *, ok: bool) -> None:
        self.seconds += time.monotonic() - began
        worker_pass_record("prune", started_at=self.started_at, duration=self.seconds, ok=ok)


def prune_claim() -> PruneRun | None:
    """Today's prune for the one worker, among all of them, whose claim wins; None for the
    others and until a day has passed."""
    if not worker_claim_due("prune", every=PRUNE_EVERY):
        return None
    return PruneRun()
