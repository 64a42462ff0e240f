"""Automatic assignment within teams, with per-agent capacities, under 60 concurrent handoff
requests on PostgreSQL: no agent over capacity, a team's handoffs only to its members."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.db.models import Count

from handoffs import services
from handoffs.models import Handoff
from tests.factories import BotFactory, ConversationFactory, MembershipFactory, TeamFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_60_concurrent_team_handoffs_respect_teams_and_capacities():
    bot = BotFactory(auto_assign=True, agent_capacity=8)
    billing = TeamFactory(workspace=bot.workspace, slug="billing")
    members = [
        MembershipFactory(workspace=bot.workspace, capacity=4),
        MembershipFactory(workspace=bot.workspace, capacity=6),
        MembershipFactory(workspace=bot.workspace),  # the bot's 8
    ]
    billing.members.add(*members)
    others = [MembershipFactory(workspace=bot.workspace, capacity=2) for _ in range(2)]
    MembershipFactory(workspace=bot.workspace, busy=True)  # takes nothing automatically
    capacity = {m.user_id: m.capacity or bot.agent_capacity for m in [*members, *others]}
    requests = [
        (ConversationFactory(end_user__bot=bot), billing if n % 2 else None) for n in range(60)
    ]

    def create(request) -> None:
        conversation, team = request
        try:
            services.handoff_request(conversation=conversation, team=team)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(create, requests))

    assert Handoff.objects.count() == 60
    assigned = Handoff.objects.filter(status="assigned")
    loads = dict(assigned.values_list("agent").annotate(n=Count("id")))
    assert set(loads) <= set(capacity)
    assert all(loads[agent] <= capacity[agent] for agent in loads)
    member_ids = {m.user_id for m in members}
    assert set(assigned.filter(team=billing).values_list("agent", flat=True)) <= member_ids
    # Work conserving: nobody has room while a handoff they may take waits.
    full = {agent for agent, cap in capacity.items() if loads.get(agent, 0) >= cap}
    pending = Handoff.objects.filter(status="pending")
    if pending.filter(team=billing).exists():
        assert member_ids <= full
    if pending.filter(team=None).exists():
        assert set(capacity) <= full
    # The team's 18 places and the others' 4 are all taken: 38 handoffs wait for more.
    assert assigned.count() == sum(capacity.values())
