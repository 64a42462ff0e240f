"""The agent's profile page: display name and avatar, as colleagues and users see them."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from agents.models import AgentProfile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png(size: tuple[int, int] = (8, 8)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, "PNG")
    return SimpleUploadedFile("me.png", buffer.getvalue(), content_type="image/png")


def test_anonymous_is_sent_to_login(client):
    assert client.get("/accounts/profile/")["Location"].startswith("/accounts/login/")


def test_it_shows_the_current_name(login, agent):
    response = login(agent).get("/accounts/profile/")

    assert response.status_code == 200
    assert agent.agent_profile.display_name in response.content.decode()


def test_it_saves_the_display_name_and_tells_colleagues(login, agent, new_events):
    response = login(agent).post("/accounts/profile/", {"display_name": "  Sam C.  "}, follow=True)

    assert b"Your profile is saved." in response.content
    assert AgentProfile.objects.get(user=agent).display_name == "Sam C."
    assert [(kind, payload["name"]) for kind, payload in new_events()] == [
        ("agent.updated", "Sam C.")
    ]


def test_it_stores_an_uploaded_avatar(login, agent):
    login(agent).post("/accounts/profile/", {"display_name": "Sam", "avatar": png()})

    avatar = AgentProfile.objects.get(user=agent).avatar
    assert avatar.name.startswith("avatars/")
    assert Image.open(avatar.path).size == (8, 8)


def test_it_refuses_a_file_that_is_not_an_image(login, agent):
    fake = SimpleUploadedFile("me.png", b"<svg onload=alert(1)>", content_type="image/png")

    response = login(agent).post("/accounts/profile/", {"display_name": "Sam", "avatar": fake})

    assert response.status_code == 200
    assert b"Upload a valid image" in response.content
    assert not AgentProfile.objects.get(user=agent).avatar


def test_it_refuses_an_image_over_2_mb(login, agent, monkeypatch):
    monkeypatch.setattr("handoffs.forms.MAX_AVATAR_BYTES", 10)

    response = login(agent).post("/accounts/profile/", {"display_name": "Sam", "avatar": png()})

    assert b"larger than 2 MB" in response.content
    assert not AgentProfile.objects.get(user=agent).avatar


def test_it_removes_the_avatar(login, agent):
    client = login(agent)
    client.post("/accounts/profile/", {"display_name": "Sam", "avatar": png()})

    client.post("/accounts/profile/", {"display_name": "Sam", "remove_avatar": "on"})

    assert not AgentProfile.objects.get(user=agent).avatar


def test_the_workspace_header_shows_the_avatar(login, agent, bot):
    client = login(agent)
    client.post("/accounts/profile/", {"display_name": "Sam", "avatar": png()})

    content = client.get(f"/workspace/{bot.bot_id}/").content.decode()

    assert '<img class="avatar" src="/media/avatars/' in content


def test_a_user_without_profile_gets_one(login):
    user = UserFactory()
    AgentProfile.objects.filter(user=user).delete()
    user.refresh_from_db()

    login(user).post("/accounts/profile/", {"display_name": "New Person"})

    assert AgentProfile.objects.get(user=user).display_name == "New Person"
