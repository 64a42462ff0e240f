"""The workspace's agents, and the calling agent's availability and profile."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from .conftest import api_url

pytestmark = pytest.mark.django_db

AGENTS = "mod/hitlnext/agents"
ME = "mod/hitlnext/agents/me"
ONLINE = "mod/hitlnext/agents/me/online"


def png(size: int = 8) -> io.BytesIO:
    image = io.BytesIO()
    Image.new("RGB", (size, size), "teal").save(image, "PNG")
    image.name = "me.png"
    image.seek(0)
    return image


def test_a_token_lists_the_agents(token_client, agent, admin, bot):
    response = token_client.get(api_url(bot, AGENTS))

    assert response.status_code == 200
    agents = {a["agentId"]: a for a in response.json()}
    assert agents[agent.pk]["online"] is True
    assert agents[admin.pk]["online"] is False
    assert agents[admin.pk]["role"] == "admin"
    assert agents[agent.pk]["name"] == agent.agent_profile.display_name


def test_me_is_the_calling_agent(agent_client, agent, bot):
    response = agent_client.get(api_url(bot, ME))

    assert response.status_code == 200
    assert response.json()["agentId"] == agent.pk


def test_a_token_has_no_me(token_client, bot):
    response = token_client.get(api_url(bot, ME))

    assert response.status_code == 403
    assert response.json()["code"] == "agent_required"


def test_go_offline_as_botpress_does(agent_client, agent, bot, new_events):
    response = agent_client.post(api_url(bot, ONLINE), {"online": False}, format="json")

    assert response.status_code == 200
    assert response.json()["online"] is False
    assert not agent.memberships.get().online
    assert [t for t, _ in new_events()] == ["agent.updated"]


@pytest.mark.parametrize("body", [{"online": "maybe"}, {"online": [True]}])
def test_online_with_a_bad_body_is_422(body, agent_client, bot):
    response = agent_client.post(api_url(bot, ONLINE), body, format="json")

    assert response.status_code == 422
    assert "online" in response.json()["errors"]


def test_a_token_cannot_go_online(token_client, bot):
    assert token_client.post(api_url(bot, ONLINE), {"online": True}).status_code == 403


def test_update_the_display_name(agent_client, agent, bot, new_events):
    response = agent_client.patch(api_url(bot, ME), {"displayName": "Sam"}, format="json")

    agent.agent_profile.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["name"] == "Sam"
    assert agent.agent_profile.display_name == "Sam"
    assert [t for t, _ in new_events()] == ["agent.updated"]


def test_upload_an_avatar(agent_client, agent, bot, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    response = agent_client.patch(api_url(bot, ME), {"avatar": png()}, format="multipart")

    assert response.status_code == 200
    assert response.json()["avatarUrl"].startswith("/media/avatars/")
    agent.agent_profile.refresh_from_db()
    assert agent.agent_profile.avatar


def test_an_avatar_that_is_no_image_is_422(agent_client, bot, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fake = io.BytesIO(b"not an image")
    fake.name = "me.png"

    response = agent_client.patch(api_url(bot, ME), {"avatar": fake}, format="multipart")

    assert response.status_code == 422
    assert "avatar" in response.json()["errors"]


def test_an_oversize_avatar_is_413(agent_client, bot, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr("handoffs.api.views.agents.MAX_AVATAR_BYTES", 10)

    response = agent_client.patch(api_url(bot, ME), {"avatar": png()}, format="multipart")

    assert response.status_code == 413
    assert response.json()["code"] == "avatar_too_large"


def test_an_oversize_display_name_is_422(agent_client, bot):
    response = agent_client.patch(api_url(bot, ME), {"displayName": "x" * 121}, format="json")

    assert response.status_code == 422
    assert "displayName" in response.json()["errors"]


def test_a_token_has_no_profile(token_client, bot):
    response = token_client.patch(api_url(bot, ME), {"displayName": "Bot"}, format="json")

    assert response.status_code == 403
