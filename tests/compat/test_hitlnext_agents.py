"""HITL-next's agent routes, held to Botpress v12's source: modules/hitlnext/src/backend/api.ts
(`/agents`, `/agents/me`, `/agents/me/online`), repository.ts getCurrentAgent / listAgents, and
types.d.ts IAgent."""

from __future__ import annotations

import pytest

from tests.api.conftest import api_url

pytestmark = pytest.mark.django_db

IAGENT_KEYS = {"agentId", "email", "online", "role", "attributes"}


def test_agents_me_has_every_field_of_botpress_iagent(agent_client, bot, agent):
    agent.first_name, agent.last_name, agent.email = "Ada", "Lovelace", "ada@example.com"
    agent.save()
    agent.memberships.update(online=False)

    me = agent_client.get(api_url(bot, "mod/hitlnext/agents/me")).json()

    assert set(me) >= IAGENT_KEYS
    assert (me["agentId"], me["email"], me["online"], me["role"]) == (
        agent.pk,
        "ada@example.com",
        False,
        "agent",
    )
    # Keys as Botpress names them: `picture_url`, not camelCased.
    assert me["attributes"] == {"firstname": "Ada", "lastname": "Lovelace", "picture_url": None}


def test_agents_lists_the_workspace_with_botpress_fields(token_client, bot, agent, admin):
    agents = token_client.get(api_url(bot, "mod/hitlnext/agents")).json()

    assert {a["agentId"] for a in agents} == {agent.pk, admin.pk}
    assert all(set(a) >= IAGENT_KEYS for a in agents)
    # check_agents.js counts `data.filter(x => x.online)`.
    assert {a["role"] for a in agents} == {"agent", "admin"}


def test_online_true_then_an_empty_body_goes_offline(agent_client, bot, agent):
    """api.ts: `const { online } = req.body; if (online) ... else unsetAgentOnline`."""
    url = api_url(bot, "mod/hitlnext/agents/me/online")

    on = agent_client.post(url, {"online": True}, format="json")
    off = agent_client.post(url, {}, format="json")

    assert (on.status_code, on.json()["online"]) == (200, True)
    assert (off.status_code, off.json()["online"]) == (200, False)
    assert not agent.memberships.get().online


def test_online_null_goes_offline(agent_client, bot, agent):
    url = api_url(bot, "mod/hitlnext/agents/me/online")
    agent_client.post(url, {"online": True}, format="json")

    response = agent_client.post(url, {"online": None}, format="json")

    assert response.json()["online"] is False


def test_config_has_botpress_module_config_keys(token_client, bot):
    """api.ts router.get('/config'), config.ts Config."""
    config = token_client.get(api_url(bot, "mod/hitlnext/config")).json()

    assert {"messageCount", "handoffAlert", "defaultUsername", "enableConversationDeletion"} <= set(
        config
    )
    assert config["transferMessage"]["en"] == "You are being transferred to an agent."
    assert config["assignMessage"]["en"] == "You have been assigned to our agent {{agentName}}."
    assert config["autoComplete"]["trigger"] == ":"
    assert isinstance(config["tags"], list)
