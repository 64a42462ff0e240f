"""Many concurrent triggers of automatic assignment on PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.db.models import Count

from handoffs import services
from handoffs.models import Handoff
from tests.factories import BotFactory, ConversationFactory, MembershipFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_60_concurrent_creations_fill_5_agents_exactly():
    bot = BotFactory(auto_assign=True, agent_capacity=12)
    agents = [MembershipFactory(workspace=bot.workspace).user for _ in range(5)]
    conversations = [ConversationFactory(end_user__bot=bot) for _ in range(60)]

    def create(conversation) -> None:
        try:
            services.handoff_request(conversation=conversation)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(create, conversations))

    assert Handoff.objects.count() == 60
    assert Handoff.objects.filter(status="assigned").count() == 60
    loads = dict(
        Handoff.objects.values_list("agent").annotate(n=Count("id")).values_list("agent", "n")
    )
    # 60 handoffs for 5 x 12 places: any double count under the race overfills someone.
    assert loads == {a.pk: 12 for a in agents}


def test_concurrent_creations_never_exceed_capacity():
    bot = BotFactory(auto_assign=True, agent_capacity=3)
    for _ in range(5):
        MembershipFactory(workspace=bot.workspace)
    conversations = [ConversationFactory(end_user__bot=bot) for _ in range(60)]

    def create(conversation) -> None:
        try:
            services.handoff_request(conversation=conversation)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(create, conversations))

    loads = Handoff.objects.filter(status="assigned").values("agent").annotate(n=Count("id"))
    assert sorted(row["n"] for row in loads) == [3, 3, 3, 3, 3]
    assert Handoff.objects.filter(status="pending").count() == 45
