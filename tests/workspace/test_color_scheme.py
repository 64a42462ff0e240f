"""The agent's theme (issue 24): light, dark or as the system, chosen on the profile page and
put on every page's <html data-theme>; the stylesheet does the rest."""

from __future__ import annotations

import pytest

from agents.errors import ApplicationError
from agents.models import AgentProfile
from agents.services import agent_profile_set_color_scheme

pytestmark = pytest.mark.django_db


def test_a_new_agent_follows_the_system(login, agent):
    response = login(agent).get("/accounts/profile/")

    assert '<html lang="en" data-theme="system">' in response.content.decode()
    assert agent.agent_profile.color_scheme == "system"


def test_the_profile_saves_dark_and_every_page_says_so(login, agent):
    client = login(agent)

    response = client.post(
        "/accounts/profile/", {"display_name": "Sam", "color_scheme": "dark"}, follow=True
    )

    assert response.status_code == 200
    agent.agent_profile.refresh_from_db()
    assert agent.agent_profile.color_scheme == "dark"
    assert 'data-theme="dark"' in client.get("/workspace/").content.decode()


def test_a_save_without_the_theme_keeps_it(login, agent):
    AgentProfile.objects.filter(user=agent).update(color_scheme="light")

    login(agent).post("/accounts/profile/", {"display_name": "Sam"})

    agent.agent_profile.refresh_from_db()
    assert agent.agent_profile.color_scheme == "light"


def test_an_unknown_theme_is_refused_on_the_form(login, agent):
    response = login(agent).post("/accounts/profile/", {"display_name": "Sam", "color_scheme": "x"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    agent.agent_profile.refresh_from_db()
    assert agent.agent_profile.color_scheme == "system"


def test_the_service_refuses_an_unknown_theme(agent):
    with pytest.raises(ApplicationError) as error:
        agent_profile_set_color_scheme(user=agent, color_scheme="sepia")

    assert error.value.code == "invalid_color_scheme"


def test_the_login_page_follows_the_system(client):
    assert 'data-theme="system"' in client.get("/accounts/login/").content.decode()
