"""An agent's status beside Botpress's online/offline (`busy`: online, no new automatic
assignments) and an agent's own capacity, which overrides the bot's."""

from __future__ import annotations

import pytest

from handoffs import services
from handoffs.models import Handoff
from tests.factories import ConversationFactory

from .conftest import api_url

pytestmark = pytest.mark.django_db

STATUS = "mod/hitlnext/agents/me/status"
ONLINE = "mod/hitlnext/agents/me/online"


def set_status(client, bot, status: str):
    return client.post(api_url(bot, STATUS), {"status": status}, format="json")


def request_handoff(bot) -> Handoff:
    handoff, _ = services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))
    handoff.refresh_from_db()  # automatic assignment updated the row
    return handoff


def test_an_agent_goes_busy(agent_client, bot, agent, new_events):
    response = set_status(agent_client, bot, "busy")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["online"]) == ("busy", True)
    assert [(t, p["status"]) for t, p in new_events()] == [("agent.updated", "busy")]


def test_an_unknown_status_is_422_with_the_allowed_values(agent_client, bot):
    response = set_status(agent_client, bot, "away")

    assert response.status_code == 422
    assert response.json()["allowed"] == ["online", "busy", "offline"]


def test_a_token_has_no_status(token_client, bot):
    assert set_status(token_client, bot, "busy").status_code == 403


def test_a_busy_agent_gets_no_automatic_assignment(agent_client, bot, agent, other_agent):
    bot.auto_assign = True
    bot.save()
    set_status(agent_client, bot, "busy")

    handoff = request_handoff(bot)

    assert handoff.agent_id == other_agent.pk


def test_a_busy_agent_still_takes_a_handoff_by_hand(agent_client, bot, agent, pending_handoff):
    set_status(agent_client, bot, "busy")

    response = agent_client.post(api_url(bot, f"mod/hitlnext/handoffs/{pending_handoff.pk}/assign"))

    assert response.status_code == 200


def test_back_online_from_busy_takes_from_the_queue(agent_client, bot, agent):
    bot.auto_assign = True
    bot.save()
    set_status(agent_client, bot, "busy")
    handoff = request_handoff(bot)

    set_status(agent_client, bot, "online")

    handoff.refresh_from_db()
    assert handoff.agent_id == agent.pk


def test_botpress_online_route_is_unchanged(agent_client, bot, agent):
    """modules/hitlnext/src/backend/api.ts, POST /agents/me/online: `{online}` in, the agent out."""
    offline = agent_client.post(api_url(bot, ONLINE), {"online": False}, format="json").json()
    online = agent_client.post(api_url(bot, ONLINE), {"online": True}, format="json").json()

    assert (offline["online"], offline["status"]) == (False, "offline")
    assert (online["online"], online["status"]) == (True, "online")


def test_botpress_online_clears_busy(agent_client, bot):
    set_status(agent_client, bot, "busy")

    body = agent_client.post(api_url(bot, ONLINE), {"online": True}, format="json").json()

    assert body["status"] == "online"


def test_going_offline_ends_busy(agent_client, bot, agent):
    set_status(agent_client, bot, "busy")
    set_status(agent_client, bot, "offline")

    body = set_status(agent_client, bot, "online").json()
    assert agent.memberships.get().busy is False
    assert body["status"] == "online"


# -- capacity per agent


def test_an_agents_capacity_overrides_the_bots_for_taking(agent_client, bot, agent):
    agent.memberships.update(capacity=1)
    first, second = request_handoff(bot), request_handoff(bot)
    agent_client.post(api_url(bot, f"mod/hitlnext/handoffs/{first.pk}/assign"))

    response = agent_client.post(api_url(bot, f"mod/hitlnext/handoffs/{second.pk}/assign"))

    assert response.status_code == 422
    assert response.json()["code"] == "agent_at_capacity"
    assert "capacity 1" in response.json()["message"]


def test_an_agents_capacity_may_be_above_the_bots(agent_client, bot, agent, other_agent):
    bot.agent_capacity = 1
    bot.auto_assign = True
    bot.save()
    other_agent.memberships.update(online=False)
    agent.memberships.update(capacity=3)

    handoffs = [request_handoff(bot) for _ in range(4)]

    assert [h.status for h in handoffs] == ["assigned"] * 3 + ["pending"]


def test_agents_show_their_capacity(token_client, bot, agent):
    agent.memberships.update(capacity=7)

    agents = token_client.get(api_url(bot, "mod/hitlnext/agents")).json()

    me = next(a for a in agents if a["agentId"] == agent.pk)
    assert (me["capacity"], me["status"]) == (7, "online")
