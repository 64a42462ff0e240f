"""Races on PostgreSQL: many threads acting on the same rows at once."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from agents.errors import ApplicationError
from handoffs import services
from handoffs.models import Event, Handoff, Message
from tests.factories import BotFactory, ConversationFactory, MembershipFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_all(calls, workers: int = 16) -> list[str]:
    """Run the calls on a thread pool; each outcome is "ok" or the domain error's code."""

    def run(call) -> str:
        try:
            call()
            return "ok"
        except ApplicationError as error:
            return error.code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, calls))


def fresh(handoff_id: int) -> Handoff:
    return Handoff.objects.select_related("bot", "conversation__end_user").get(pk=handoff_id)


def test_four_hundred_assign_attempts_over_forty_handoffs():
    bot = BotFactory(agent_capacity=1000)
    agents = [MembershipFactory(workspace=bot.workspace).user for _ in range(10)]
    handoff_ids = [
        services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))[0].pk
        for _ in range(40)
    ]
    calls = [
        (lambda h=h, a=a: services.handoff_assign(handoff=fresh(h), agent=a))
        for h, a in itertools.product(handoff_ids, agents)
    ]

    outcomes = run_all(calls)

    assert outcomes.count("ok") == 40
    assert outcomes.count("handoff_assigned") == 360
    assert Handoff.objects.filter(status="assigned").count() == 40
    # Exactly one handoff.updated per winner: losers wrote nothing.
    assert Event.objects.filter(type="handoff.updated").count() == 40


def test_resolve_requeue_and_assign_at_once_leave_a_consistent_state():
    bot = BotFactory(agent_capacity=100)
    holder = MembershipFactory(workspace=bot.workspace).user
    other = MembershipFactory(workspace=bot.workspace).user
    handoff_ids = []
    for _ in range(30):
        handoff, _ = services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))
        services.handoff_assign(handoff=handoff, agent=holder)
        handoff_ids.append(handoff.pk)
    before = Event.objects.filter(type="handoff.updated").count()
    calls = []
    for h in handoff_ids:
        calls += [
            lambda h=h: services.handoff_resolve(handoff=fresh(h), actor=holder),
            lambda h=h: services.handoff_requeue(handoff=fresh(h), actor=holder),
            lambda h=h: services.handoff_assign(handoff=fresh(h), agent=other),
        ]

    outcomes = run_all(calls)

    successes = outcomes.count("ok")
    assert Event.objects.filter(type="handoff.updated").count() - before == successes
    for h in handoff_ids:
        handoff = Handoff.objects.get(pk=h)
        # Resolved (by the holder), or requeued then maybe taken by the other agent.
        assert (handoff.status, handoff.agent_id) in {
            ("resolved", holder.pk),
            ("pending", None),
            ("assigned", other.pk),
        }
        conversation = handoff.conversation
        assert conversation.paused == handoff.is_open


def test_duplicate_ingest_with_the_same_external_id_stores_one_message():
    bot = BotFactory()
    calls = [
        (
            lambda n=n: services.message_ingest(
                bot=bot, channel="api", user_id=f"user-{n % 10}", text="hi", external_id="m-1"
            )
        )
        for n in range(200)
    ]

    outcomes = run_all(calls)

    assert outcomes == ["ok"] * 200
    # Ten users, each with one conversation, each with the message stored once.
    assert Message.objects.count() == 10
    assert Event.objects.filter(type="message.created").count() == 10
