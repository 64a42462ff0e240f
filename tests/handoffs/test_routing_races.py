"""Several sweep workers running issue 23's checks at once, on a real database: a breach is
announced once, an abandoned handoff requeued once, a place told once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from handoffs import services
from handoffs.models import Event, Handoff, Message, Note
from handoffs.services.abandoned import handoffs_requeue_abandoned
from handoffs.services.queue_position import queue_positions_announce
from handoffs.services.sla import handoffs_check_sla
from tests.factories import BotFactory, ConversationFactory, MembershipFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SWEEPS = 4


def race(check: Callable[[], int]) -> int:
    barrier = threading.Barrier(SWEEPS)
    counts: list[int] = []

    def run() -> None:
        try:
            barrier.wait()
            counts.append(check())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(SWEEPS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts)


def requested(bot, count: int = 1) -> list[Handoff]:
    return [
        services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))[0]
        for _ in range(count)
    ]


def test_a_breach_is_announced_once_by_concurrent_sweeps():
    bot = BotFactory(sla_first_response=timedelta(minutes=10))
    handoffs = requested(bot, 5)
    Handoff.objects.update(created_at=timezone.now() - timedelta(minutes=20))

    assert race(handoffs_check_sla) == 5
    assert Event.objects.filter(type="handoff.sla_breached").count() == len(handoffs)


def test_an_abandoned_handoff_is_requeued_once_by_concurrent_sweeps():
    bot = BotFactory(first_response_limit=timedelta(minutes=2), agent_capacity=10)
    agent = MembershipFactory(workspace=bot.workspace).user
    for handoff in requested(bot, 3):
        services.handoff_assign(handoff=handoff, agent=agent)
    Handoff.objects.update(assigned_at=timezone.now() - timedelta(minutes=5))

    assert race(handoffs_requeue_abandoned) == 3
    assert Note.objects.count() == 3
    assert Handoff.objects.filter(status="pending").count() == 3


def test_a_place_is_told_once_by_concurrent_sweeps():
    bot = BotFactory(queue_position_updates=True, queue_position_interval=timedelta(0))
    agent = MembershipFactory(workspace=bot.workspace).user
    first, *rest = requested(bot, 4)
    services.handoff_assign(handoff=first, agent=agent)

    assert race(queue_positions_announce) == 3
    for handoff in rest:
        told = Message.objects.filter(
            conversation=handoff.conversation, payload__queuePosition__isnull=False
        )
        assert told.count() == 2
