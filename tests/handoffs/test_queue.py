"""Automatic assignment, expiry, and handing off into an empty room."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from handoffs import services
from handoffs.models import Handoff
from tests.factories import BotFactory, ConversationFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def request(bot, **kwargs):
    return services.handoff_request(conversation=ConversationFactory(end_user__bot=bot), **kwargs)[
        0
    ]


@pytest.fixture
def auto_bot():
    return BotFactory(auto_assign=True, agent_capacity=2)


def test_auto_assign_is_off_by_default(bot, agent):
    assert request(bot).status == "pending"


def test_new_handoff_goes_to_the_least_loaded_agent(auto_bot):
    busy = MembershipFactory(workspace=auto_bot.workspace).user
    idle = MembershipFactory(workspace=auto_bot.workspace, online=False).user
    request(auto_bot)  # goes to busy, the only one online
    services.agent_set_online(membership=idle.memberships.get(), online=True)

    handoff = request(auto_bot)

    handoff.refresh_from_db()
    assert handoff.agent == idle
    assert Handoff.objects.filter(agent=busy).count() == 1


def test_ties_go_to_the_agent_idle_longest(auto_bot):
    first = MembershipFactory(workspace=auto_bot.workspace).user
    second = MembershipFactory(workspace=auto_bot.workspace).user
    a = request(auto_bot)
    b = request(auto_bot)
    a.refresh_from_db()
    b.refresh_from_db()
    assert {a.agent, b.agent} == {first, second}
    services.handoff_resolve(handoff=a, actor=a.agent)
    services.handoff_resolve(handoff=b, actor=b.agent)

    c = request(auto_bot)

    c.refresh_from_db()
    assert c.agent == a.agent  # a's agent was assigned before b's: idle longer


def test_capacity_is_respected_and_the_rest_waits(auto_bot):
    agent = MembershipFactory(workspace=auto_bot.workspace).user

    handoffs = [request(auto_bot) for _ in range(3)]

    statuses = [Handoff.objects.get(pk=h.pk).status for h in handoffs]
    assert statuses == ["assigned", "assigned", "pending"]
    assert Handoff.objects.filter(agent=agent, status="assigned").count() == 2


def test_offline_agents_get_nothing(auto_bot):
    MembershipFactory(workspace=auto_bot.workspace, online=False)

    assert request(auto_bot).status == "pending"


def test_coming_online_takes_the_oldest_waiting(auto_bot):
    membership = MembershipFactory(workspace=auto_bot.workspace, online=False)
    older = request(auto_bot)
    request(auto_bot)
    auto_bot.agent_capacity = 1
    auto_bot.save()

    services.agent_set_online(membership=membership, online=True)

    older.refresh_from_db()
    assert older.agent == membership.user
    assert Handoff.objects.filter(status="pending").count() == 1


def test_resolving_frees_capacity_for_the_queue(auto_bot):
    auto_bot.agent_capacity = 1
    auto_bot.save()
    agent = MembershipFactory(workspace=auto_bot.workspace).user
    first = request(auto_bot)
    waiting = request(auto_bot)
    assert Handoff.objects.get(pk=waiting.pk).status == "pending"

    services.handoff_resolve(handoff=Handoff.objects.get(pk=first.pk), actor=agent)

    waiting.refresh_from_db()
    assert waiting.agent == agent


def test_require_agent_with_nobody_online_rejects_at_once(bot, new_events):
    MembershipFactory(workspace=bot.workspace, online=False)
    conversation = ConversationFactory(end_user__bot=bot)

    handoff, created = services.handoff_request(conversation=conversation, require_agent=True)

    conversation.refresh_from_db()
    assert created
    assert handoff.status == "rejected"
    assert not conversation.paused
    assert [t for t, _ in new_events()] == ["handoff.created"]


def test_require_agent_with_someone_online_is_a_normal_handoff(bot, agent):
    assert request(bot, require_agent=True).status == "pending"


def test_pending_handoffs_expire_after_the_timeout(bot):
    bot.handoff_timeout = timedelta(minutes=5)
    bot.expire_message = {"en": "No agent could take your request, back to the bot."}
    bot.save()
    handoff = request(bot)

    with time_machine.travel(timezone.now() + timedelta(minutes=4), tick=False):
        assert services.handoffs_expire_due() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        assert services.handoffs_expire_due() == 1

    handoff.refresh_from_db()
    handoff.conversation.refresh_from_db()
    assert handoff.status == "expired"
    assert not handoff.conversation.paused
    assert handoff.conversation.messages.last().text.startswith("No agent could take")


def test_request_timeout_overrides_the_bot_default(bot):
    handoff = request(bot, timeout=timedelta(seconds=30))

    assert services.handoffs_expire_due(now=timezone.now() + timedelta(seconds=31)) == 1
    handoff.refresh_from_db()
    assert handoff.status == "expired"


def test_resolved_handoffs_never_expire(bot, agent):
    bot.handoff_timeout = timedelta(minutes=5)
    bot.save()
    handoff = request(bot)
    services.handoff_assign(handoff=handoff, agent=agent)
    services.handoff_resolve(handoff=handoff, actor=agent)

    assert services.handoffs_expire_due(now=timezone.now() + timedelta(days=1)) == 0
    handoff.refresh_from_db()
    assert handoff.status == "resolved"


def test_assigned_handoffs_never_expire(bot, agent):
    bot.handoff_timeout = timedelta(minutes=5)
    bot.save()
    handoff = request(bot)
    services.handoff_assign(handoff=handoff, agent=agent)

    assert services.handoffs_expire_due(now=timezone.now() + timedelta(days=1)) == 0


def test_pending_handoffs_show_their_queue_position(bot, agent):
    from rest_framework.test import APIClient

    first, second, third = (request(bot) for _ in range(3))
    services.handoff_assign(handoff=second, agent=agent)
    client = APIClient()
    client.force_login(agent)

    body = client.get(f"/api/v1/bots/{bot.bot_id}/mod/hitlnext/handoffs").json()

    positions = {h["id"]: h["queuePosition"] for h in body}
    assert positions == {first.pk: 1, third.pk: 2, second.pk: None}


def test_queue_position_follows_creation_time_then_id(bot, agent):
    from rest_framework.test import APIClient

    first, second, third = (request(bot) for _ in range(3))
    moment = timezone.now()
    Handoff.objects.filter(pk__in=[first.pk, second.pk]).update(created_at=moment)
    Handoff.objects.filter(pk=third.pk).update(created_at=moment - timedelta(minutes=1))
    client = APIClient()
    client.force_login(agent)

    body = client.get(f"/api/v1/bots/{bot.bot_id}/mod/hitlnext/handoffs").json()

    positions = {h["id"]: h["queuePosition"] for h in body}
    assert positions == {third.pk: 1, first.pk: 2, second.pk: 3}


@pytest.mark.parametrize(
    "query", ["?limit=2", "?column=createdAt&desc=true&limit=2", "?column=status&limit=3"]
)
def test_every_page_shows_each_pending_handoffs_place_in_the_whole_queue(query, bot, agent):
    from rest_framework.test import APIClient

    handoffs = [request(bot) for _ in range(6)]
    services.handoff_assign(handoff=handoffs[2], agent=agent)
    expected = {h.pk: place for place, h in enumerate(handoffs[:2] + handoffs[3:], start=1)}
    expected[handoffs[2].pk] = None
    client = APIClient()
    client.force_login(agent)
    url, seen = f"/api/v1/bots/{bot.bot_id}/mod/hitlnext/handoffs{query}", {}

    while url:  # through the `Link` header, where the order has one
        response = client.get(url)
        seen.update({h["id"]: h["queuePosition"] for h in response.json()})
        link = response.headers.get("Link")
        url = link[1 : link.index(">")] if link else None

    assert seen == {pk: expected[pk] for pk in seen}
    assert len(seen) == (6 if "column" not in query else int(query[-1]))
