"""`allowedActions`: what the caller may do now, in the API's answers; never in events."""

from __future__ import annotations

import pytest

from handoffs import services

from .conftest import api_url

pytestmark = pytest.mark.django_db


def offered(client, bot, handoff) -> set[str]:
    body = client.get(api_url(bot, f"mod/hitlnext/handoffs/{handoff.pk}")).json()
    return {action for action, allowed in body["allowedActions"].items() if allowed}


def test_a_waiting_handoff_offers_an_online_agent_to_take_it(agent_client, bot, pending_handoff):
    assert offered(agent_client, bot, pending_handoff) == {
        "assign",
        "reject",
        "prioritize",
        "transferTeam",
    }


def test_an_offline_agent_is_offered_nothing(agent_client, bot, agent, pending_handoff):
    agent.memberships.update(online=False)

    assert offered(agent_client, bot, pending_handoff) == set()


def test_the_holder_and_another_agent_see_different_actions(
    agent_client, other_agent_client, bot, assigned_handoff
):
    assert offered(agent_client, bot, assigned_handoff) == {
        "resolve",
        "requeue",
        "transfer",
        "reject",
        "compose",
        "prioritize",
        "transferTeam",
    }
    assert offered(other_agent_client, bot, assigned_handoff) == set()


def test_delete_is_offered_only_where_the_bot_allows_it_and_the_rules_do(
    agent_client, other_agent_client, bot, assigned_handoff
):
    bot.enable_conversation_deletion = True
    bot.save()

    assert "delete" in offered(agent_client, bot, assigned_handoff)
    # Another agent's handoff: the bot allows deleting, but not them.
    assert "delete" not in offered(other_agent_client, bot, assigned_handoff)


def test_a_token_may_only_reject_or_prioritize(token_client, bot, pending_handoff):
    assert offered(token_client, bot, pending_handoff) == {"reject", "prioritize"}


def test_every_answer_carries_them_for_its_caller(agent_client, bot, pending_handoff):
    listed = agent_client.get(api_url(bot, "mod/hitlnext/handoffs")).json()[0]
    taken = agent_client.post(api_url(bot, f"mod/hitlnext/handoffs/{pending_handoff.pk}/assign"))

    assert listed["allowedActions"]["assign"] is True
    assert taken.json()["allowedActions"]["resolve"] is True
    assert taken.json()["allowedActions"]["assign"] is False


def test_events_never_carry_them(agent, pending_handoff, new_events):
    services.handoff_assign(handoff=pending_handoff, agent=agent)

    assert all("allowedActions" not in payload for _, payload in new_events())
    assert all("allowed_actions" not in payload for _, payload in new_events())


def test_a_conversation_says_whether_i_may_write(agent_client, bot, conversation):
    url = api_url(bot, f"mod/hitlnext/conversations/{conversation.pk}")

    before = agent_client.get(url).json()["allowedActions"]
    services.conversation_pause(conversation=conversation)
    after = agent_client.get(url).json()["allowedActions"]

    assert (before["compose"], after["compose"]) == (False, True)
