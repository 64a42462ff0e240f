"""Teams in the Django admin: a workspace admin sees, adds and edits only their workspaces'
teams, with members of the team's workspace only; a bot's team rules name its own teams."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from agents import services
from agents.models import Team
from handoffs.models import TeamRule
from tests.factories import BotFactory, MembershipFactory, TeamFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(workspace):
    return services.agent_create(
        workspace=workspace, username="boss", password="x-long-pass-1", role="admin"
    )


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_workspace_admin_sees_only_their_teams(boss, workspace):
    mine = TeamFactory(workspace=workspace)
    TeamFactory(workspace=WorkspaceFactory())

    response = as_user(boss).get("/admin/agents/team/")

    assert list(response.context["cl"].result_list) == [mine]


def test_a_workspace_admin_cannot_open_another_workspaces_team(boss):
    theirs = TeamFactory(workspace=WorkspaceFactory())

    response = as_user(boss).get(f"/admin/agents/team/{theirs.pk}/change/")

    assert response.status_code == 302


def test_a_workspace_admin_adds_a_team_of_their_members(boss, workspace):
    member = MembershipFactory(workspace=workspace)
    stranger = MembershipFactory(workspace=WorkspaceFactory())
    form = as_user(boss).get("/admin/agents/team/add/").context["adminform"].form
    assert stranger not in form.fields["members"].queryset

    response = as_user(boss).post(
        "/admin/agents/team/add/",
        {"workspace": workspace.pk, "slug": "billing", "name": "Billing", "members": [member.pk]},
    )

    assert response.status_code == 302
    assert list(Team.objects.get(slug="billing").members.all()) == [member]


def test_members_must_be_of_the_teams_workspace(admin_user, workspace):
    stranger = MembershipFactory(workspace=WorkspaceFactory())

    response = as_user(admin_user).post(
        "/admin/agents/team/add/",
        {"workspace": workspace.pk, "slug": "billing", "name": "Billing", "members": [stranger.pk]},
    )

    assert response.status_code == 200
    assert "Not members of" in str(response.context["adminform"].form.errors["members"])
    assert not Team.objects.exists()


def test_a_bots_team_rule_names_a_team_of_its_workspace(admin_user, workspace):
    bot = BotFactory(workspace=workspace)
    elsewhere = TeamFactory(workspace=WorkspaceFactory())
    rule = TeamRule(bot=bot, tag="invoice", team=elsewhere)

    with pytest.raises(ValidationError, match="bot's workspace"):
        rule.full_clean()
