"""Teams: a bot hands off to a team, tag rules route, the list filters, transfer to a team,
automatic assignment within the team, 422 with the allowed values for an unknown one."""

from __future__ import annotations

import pytest

from handoffs.models import EndUser, Handoff, TeamRule
from tests.factories import TeamFactory, WorkspaceFactory

from .conftest import api_url

pytestmark = pytest.mark.django_db

HANDOFFS = "mod/hitlnext/handoffs"


@pytest.fixture
def billing(workspace, other_agent):
    team = TeamFactory(workspace=workspace, slug="billing", name="Billing")
    team.members.add(other_agent.memberships.get())
    return team


@pytest.fixture
def sales(workspace):
    return TeamFactory(workspace=workspace, slug="sales", name="Sales")


def request_handoff(client, bot, user_id: str = "u-1", **body):
    return client.post(
        api_url(bot, HANDOFFS), {"userId": user_id, "userChannel": "web", **body}, format="json"
    )


def test_a_bot_hands_off_to_a_team_by_its_slug(token_client, bot, billing):
    response = request_handoff(token_client, bot, team="billing")

    assert response.status_code == 201
    assert response.json()["team"] == {"id": billing.pk, "slug": "billing", "name": "Billing"}


def test_without_a_team_a_handoff_has_none(token_client, bot):
    response = request_handoff(token_client, bot)

    assert response.json()["team"] is None


def test_an_unknown_team_is_422_with_the_allowed_values_and_creates_nothing(
    token_client, bot, billing, sales
):
    response = request_handoff(token_client, bot, team="support")

    assert response.status_code == 422
    body = response.json()
    assert body["allowed"] == ["billing", "sales"]
    assert "billing, sales" in body["message"]
    assert "team" in body["errors"]
    assert not Handoff.objects.exists()
    assert not EndUser.objects.exists()


def test_another_workspaces_team_is_unknown_here(token_client, bot):
    TeamFactory(workspace=WorkspaceFactory(), slug="billing")

    response = request_handoff(token_client, bot, team="billing")

    assert response.status_code == 422
    assert response.json()["allowed"] == []


def test_auto_assignment_gives_a_team_handoff_only_to_a_member(
    token_client, bot, agent, other_agent, billing
):
    bot.auto_assign = True
    bot.save()

    response = request_handoff(token_client, bot, team="billing")

    assert response.json()["agentId"] == other_agent.pk


def test_a_team_handoff_waits_while_no_member_can_take_it(token_client, bot, agent, sales):
    bot.auto_assign = True
    bot.save()

    response = request_handoff(token_client, bot, team="sales")

    assert response.json()["status"] == "pending"


def test_a_member_coming_online_takes_the_team_handoff(
    token_client, agent_client, bot, agent, sales
):
    bot.auto_assign = True
    bot.save()
    membership = agent.memberships.get()
    membership.online = False
    membership.save()
    sales.members.add(membership)
    handoff_id = request_handoff(token_client, bot, team="sales").json()["id"]

    agent_client.post(
        api_url(bot, "mod/hitlnext/agents/me/online"), {"online": True}, format="json"
    )

    assert Handoff.objects.get(pk=handoff_id).agent_id == agent.pk


def test_a_tag_rule_routes_a_waiting_handoff_to_its_team(
    token_client, bot, agent, other_agent, billing, new_events
):
    TeamRule.objects.create(bot=bot, tag="invoice", team=billing)
    bot.auto_assign = True
    bot.save()
    agent.memberships.update(online=False)
    other_agent.memberships.update(online=False)
    handoff_id = request_handoff(token_client, bot).json()["id"]

    response = token_client.post(
        api_url(bot, f"{HANDOFFS}/{handoff_id}"), {"tags": ["urgent-ish", "invoice"]}, format="json"
    )

    assert response.json()["team"]["slug"] == "billing"
    assert new_events()[-1][1]["team"]["slug"] == "billing"


def test_a_named_team_wins_over_the_tag_rules(token_client, bot, billing, sales):
    TeamRule.objects.create(bot=bot, tag="invoice", team=billing)
    handoff_id = request_handoff(token_client, bot, team="sales").json()["id"]

    response = token_client.post(
        api_url(bot, f"{HANDOFFS}/{handoff_id}"), {"tags": ["invoice"]}, format="json"
    )

    assert response.json()["team"]["slug"] == "sales"


def test_the_list_filters_by_team(token_client, bot, billing, sales):
    request_handoff(token_client, bot, "u-1", team="billing")
    request_handoff(token_client, bot, "u-2", team="sales")
    request_handoff(token_client, bot, "u-3")

    listed = token_client.get(api_url(bot, HANDOFFS), {"team": "sales,billing"}).json()

    assert sorted(h["userId"] for h in listed) == ["u-1", "u-2"]


def test_my_teams_are_mine_those_of_no_team_and_my_own(
    token_client, other_agent_client, bot, billing, sales
):
    request_handoff(token_client, bot, "u-1", team="billing")
    request_handoff(token_client, bot, "u-2", team="sales")
    request_handoff(token_client, bot, "u-3")

    listed = other_agent_client.get(api_url(bot, HANDOFFS), {"team": "mine"}).json()
    counts = other_agent_client.get(api_url(bot, f"{HANDOFFS}/counts"), {"team": "mine"}).json()

    assert sorted(h["userId"] for h in listed) == ["u-1", "u-3"]
    assert counts["unassigned"] == 2


def test_my_teams_need_an_agent(token_client, bot):
    response = token_client.get(api_url(bot, HANDOFFS), {"team": "mine"})

    assert response.status_code == 403


def test_an_unknown_team_filter_is_422_with_the_allowed_values(token_client, bot, billing):
    response = token_client.get(api_url(bot, HANDOFFS), {"team": "nope"})

    assert response.status_code == 422
    assert response.json()["allowed"] == ["mine", "billing"]


def test_the_teams_of_the_workspace(token_client, bot, other_agent, billing, sales):
    TeamFactory(slug="elsewhere")

    response = token_client.get(api_url(bot, "mod/hitlnext/teams"))

    assert response.json() == [
        {"id": billing.pk, "slug": "billing", "name": "Billing", "members": [other_agent.pk]},
        {"id": sales.pk, "slug": "sales", "name": "Sales", "members": []},
    ]


def test_agents_show_their_teams(token_client, bot, other_agent, billing):
    agents = token_client.get(api_url(bot, "mod/hitlnext/agents")).json()

    assert next(a for a in agents if a["agentId"] == other_agent.pk)["teams"] == ["billing"]


# -- transfer to a team


def transfer(client, bot, handoff, **body):
    url = api_url(bot, f"{HANDOFFS}/{handoff.pk}/transfer")
    return client.post(url, body, format="json")


def test_the_holder_transfers_to_a_team_and_a_member_gets_it(
    agent_client, bot, agent, other_agent, assigned_handoff, billing, new_events
):
    bot.auto_assign = True
    bot.save()

    response = transfer(agent_client, bot, assigned_handoff, team="billing")

    assert response.status_code == 200
    assert response.json()["team"]["slug"] == "billing"
    assert response.json()["agentId"] == other_agent.pk
    updates = [p for t, p in new_events() if t == "handoff.updated"]
    assert [(p["status"], p["agentId"]) for p in updates] == [
        ("pending", None),
        ("assigned", other_agent.pk),
    ]


def test_a_transferred_handoff_waits_for_its_team_without_auto_assignment(
    agent_client, bot, assigned_handoff, billing
):
    response = transfer(agent_client, bot, assigned_handoff, team="billing")

    assert (response.json()["status"], response.json()["agentId"]) == ("pending", None)
    assert response.json()["team"]["slug"] == "billing"


def test_any_online_agent_moves_a_waiting_handoff_to_a_team(
    agent_client, bot, pending_handoff, sales
):
    response = transfer(agent_client, bot, pending_handoff, team="sales")

    assert (response.json()["status"], response.json()["team"]["slug"]) == ("pending", "sales")


def test_another_agents_handoff_cannot_be_moved(other_agent_client, bot, assigned_handoff, sales):
    response = transfer(other_agent_client, bot, assigned_handoff, team="sales")

    assert response.status_code == 403


def test_transfer_to_an_unknown_team_is_422_with_the_allowed_values(
    agent_client, bot, assigned_handoff, billing
):
    response = transfer(agent_client, bot, assigned_handoff, team="nope")

    assert response.status_code == 422
    assert response.json()["allowed"] == ["billing"]


def test_transfer_takes_an_agent_or_a_team_not_both(
    agent_client, bot, other_agent, assigned_handoff, billing
):
    response = transfer(agent_client, bot, assigned_handoff, team="billing", agentId=other_agent.pk)

    assert response.status_code == 422


def test_a_closed_handoff_cannot_change_team(agent_client, bot, assigned_handoff, billing):
    agent_client.post(api_url(bot, f"{HANDOFFS}/{assigned_handoff.pk}/resolve"))

    response = transfer(agent_client, bot, assigned_handoff, team="billing")

    assert response.status_code == 422
    assert response.json()["status"] == "resolved"
