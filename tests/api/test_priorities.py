"""Priorities: the bot sets one, an agent changes it, the queue and automatic assignment take
the most pressing first, then the oldest; 422 with the allowed values for an unknown one."""

from __future__ import annotations

import pytest

from handoffs.models import Handoff

from .conftest import api_url

pytestmark = pytest.mark.django_db

HANDOFFS = "mod/hitlnext/handoffs"


def request_handoff(client, bot, user_id: str, **body):
    return client.post(
        api_url(bot, HANDOFFS), {"userId": user_id, "userChannel": "web", **body}, format="json"
    )


def set_priority(client, bot, handoff_id: int, priority: str):
    url = api_url(bot, f"{HANDOFFS}/{handoff_id}/priority")
    return client.post(url, {"priority": priority}, format="json")


def test_a_handoff_is_normal_by_default(token_client, bot):
    assert request_handoff(token_client, bot, "u-1").json()["priority"] == "normal"


def test_the_bot_sets_the_priority(token_client, bot):
    response = request_handoff(token_client, bot, "u-1", priority="urgent")

    assert response.status_code == 201
    assert response.json()["priority"] == "urgent"


def test_an_unknown_priority_is_422_with_the_allowed_values(token_client, bot):
    response = request_handoff(token_client, bot, "u-1", priority="asap")

    assert response.status_code == 422
    body = response.json()
    assert body["allowed"] == ["urgent", "high", "normal", "low"]
    assert "urgent, high, normal, low" in body["message"]
    assert not Handoff.objects.exists()


def test_the_queue_is_by_priority_then_age(token_client, bot):
    for user_id, priority in [("u-1", "low"), ("u-2", "normal"), ("u-3", "urgent"),
                              ("u-4", "high"), ("u-5", "urgent")]:  # fmt: skip
        request_handoff(token_client, bot, user_id, priority=priority)

    listed = token_client.get(api_url(bot, HANDOFFS)).json()

    assert [h["userId"] for h in listed] == ["u-3", "u-5", "u-4", "u-2", "u-1"]
    assert [h["queuePosition"] for h in listed] == [1, 2, 3, 4, 5]


def test_the_list_pages_through_the_priorities(token_client, bot):
    for user_id, priority in [("u-1", "low"), ("u-2", "urgent"), ("u-3", "normal")]:
        request_handoff(token_client, bot, user_id, priority=priority)

    first = token_client.get(api_url(bot, HANDOFFS), {"limit": 2})
    next_url = first["Link"].split(">")[0].lstrip("<")
    second = token_client.get(next_url)

    assert [h["userId"] for h in first.json()] == ["u-2", "u-3"]
    assert [h["userId"] for h in second.json()] == ["u-1"]


def test_one_handoffs_queue_position_counts_the_more_pressing(token_client, bot):
    request_handoff(token_client, bot, "u-1")
    late_urgent = request_handoff(token_client, bot, "u-2", priority="urgent").json()

    assert late_urgent["queuePosition"] == 1
    first = token_client.get(api_url(bot, HANDOFFS), {"userId": "u-1"}).json()[0]
    assert first["queuePosition"] == 2


def test_the_list_filters_by_priority(token_client, bot):
    request_handoff(token_client, bot, "u-1", priority="low")
    request_handoff(token_client, bot, "u-2", priority="high")
    request_handoff(token_client, bot, "u-3", priority="urgent")

    listed = token_client.get(api_url(bot, HANDOFFS), {"priority": "urgent,high"}).json()

    assert [h["userId"] for h in listed] == ["u-3", "u-2"]


def test_an_unknown_priority_filter_is_422(token_client, bot):
    response = token_client.get(api_url(bot, HANDOFFS), {"priority": "soon"})

    assert response.status_code == 422
    assert response.json()["allowed"] == ["urgent", "high", "normal", "low"]


def test_an_agent_raises_the_priority(agent_client, bot, pending_handoff, new_events):
    response = set_priority(agent_client, bot, pending_handoff.pk, "high")

    assert response.status_code == 200
    assert response.json()["priority"] == "high"
    assert [(t, p["priority"]) for t, p in new_events()] == [("handoff.updated", "high")]


def test_the_same_priority_again_changes_nothing(agent_client, bot, pending_handoff, new_events):
    response = set_priority(agent_client, bot, pending_handoff.pk, "normal")

    assert response.status_code == 200
    assert new_events() == []


def test_the_bot_changes_the_priority_with_its_token(token_client, bot, pending_handoff):
    assert set_priority(token_client, bot, pending_handoff.pk, "low").json()["priority"] == "low"


def test_setting_an_unknown_priority_is_422(agent_client, bot, pending_handoff):
    response = set_priority(agent_client, bot, pending_handoff.pk, "meh")

    assert response.status_code == 422
    assert response.json()["allowed"] == ["urgent", "high", "normal", "low"]


def test_an_offline_agent_cannot_change_it(agent_client, bot, agent, pending_handoff):
    agent.memberships.update(online=False)

    response = set_priority(agent_client, bot, pending_handoff.pk, "high")

    assert response.status_code == 422
    assert response.json()["message"] == "You must be online to perform this action"


def test_another_agents_handoff_keeps_its_priority(other_agent_client, bot, assigned_handoff):
    response = set_priority(other_agent_client, bot, assigned_handoff.pk, "high")

    assert response.status_code == 403


def test_a_closed_handoff_keeps_its_priority(token_client, bot, pending_handoff):
    token_client.post(api_url(bot, f"{HANDOFFS}/{pending_handoff.pk}/reject"))

    response = set_priority(token_client, bot, pending_handoff.pk, "high")

    assert response.status_code == 422
    assert response.json()["status"] == "rejected"


def test_auto_assignment_takes_the_most_pressing_first(token_client, agent_client, bot, agent):
    bot.auto_assign = True
    bot.agent_capacity = 1
    bot.save()
    agent.memberships.update(online=False)
    request_handoff(token_client, bot, "u-1")
    request_handoff(token_client, bot, "u-2", priority="high")

    online = api_url(bot, "mod/hitlnext/agents/me/online")
    agent_client.post(online, {"online": True}, format="json")

    assert Handoff.objects.get(agent=agent).conversation.end_user.external_id == "u-2"
