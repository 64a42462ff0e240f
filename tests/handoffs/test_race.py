"""Two agents clicking "assign to me" at once: exactly one wins, on a real database."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from agents.errors import Unprocessable
from handoffs import services
from handoffs.models import Handoff
from tests.factories import BotFactory, ConversationFactory, MembershipFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(handoff_id: int, agents: list) -> list[str]:
    barrier = threading.Barrier(len(agents))
    outcomes: list[str] = []

    def attempt(agent) -> None:
        try:
            barrier.wait()
            handoff = Handoff.objects.select_related("bot").get(pk=handoff_id)
            services.handoff_assign(handoff=handoff, agent=agent)
            outcomes.append("won")
        except Unprocessable:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(a,)) for a in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_agents_assign_at_once_fifty_times():
    bot = BotFactory(agent_capacity=100)
    agents = [MembershipFactory(workspace=bot.workspace).user for _ in range(2)]
    for _ in range(50):
        handoff, _ = services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))

        outcomes = _race(handoff.pk, agents)

        assert sorted(outcomes) == ["conflict", "won"]
        handoff.refresh_from_db()
        assert handoff.status == "assigned"


def test_one_agent_taking_many_at_once_stays_within_capacity():
    bot = BotFactory(agent_capacity=3)
    agent = MembershipFactory(workspace=bot.workspace).user
    handoffs = [
        services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))[0]
        for _ in range(8)
    ]
    barrier = threading.Barrier(len(handoffs))
    outcomes: list[str] = []

    def attempt(handoff_id: int) -> None:
        try:
            barrier.wait()
            handoff = Handoff.objects.select_related("bot").get(pk=handoff_id)
            services.handoff_assign(handoff=handoff, agent=agent)
            outcomes.append("won")
        except Unprocessable as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(h.pk,)) for h in handoffs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("won") == 3
    assert outcomes.count("agent_at_capacity") == 5
    assert Handoff.objects.filter(agent=agent, status="assigned").count() == 3
