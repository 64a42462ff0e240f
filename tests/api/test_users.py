"""An end user's profile variables."""

from __future__ import annotations

import pytest

from tests.factories import EndUserFactory

from .conftest import api_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(bot):
    return EndUserFactory(
        bot=bot, external_id="ada", variables={"fullName": "Ada", "email": "a@example.com"}
    )


def user_url(bot, user_id: str, query: str = "") -> str:
    return api_url(bot, f"mod/hitlnext/users/{user_id}{query}")


def test_read_a_user(token_client, bot, ada):
    response = token_client.get(user_url(bot, "ada"))

    assert response.status_code == 200
    assert response.json()["attributes"] == {"fullName": "Ada", "email": "a@example.com"}
    assert response.json()["name"] == "Ada"


def test_update_merges_and_null_removes(token_client, bot, ada, new_events):
    body = {"variables": {"email": None, "plan_tier": "gold", "language": "fr"}}

    response = token_client.patch(user_url(bot, "ada"), body, format="json")

    assert response.status_code == 200
    # The user's own keys are kept exactly as sent.
    assert response.json()["attributes"] == {
        "fullName": "Ada",
        "plan_tier": "gold",
        "language": "fr",
    }
    assert [t for t, _ in new_events()] == ["user.updated"]


def test_an_agent_updates_a_user(agent_client, bot, ada):
    body = {"variables": {"fullName": "Ada L."}}

    assert agent_client.patch(user_url(bot, "ada"), body, format="json").json()["name"] == "Ada L."


@pytest.mark.parametrize("body", [{}, {"variables": "x"}, {"variables": ["a"]}])
def test_update_with_a_bad_body_is_422(body, token_client, bot, ada):
    response = token_client.patch(user_url(bot, "ada"), body, format="json")

    assert response.status_code == 422
    assert "variables" in response.json()["errors"]


def test_an_unknown_user_is_404(token_client, bot):
    response = token_client.get(user_url(bot, "nobody"))

    assert response.status_code == 404
    assert response.json()["code"] == "user_not_found"


def test_a_user_of_another_bot_is_404(token_client, bot, workspace):
    EndUserFactory(external_id="ada", bot__workspace=workspace)

    assert token_client.get(user_url(bot, "ada")).status_code == 404


def test_two_channels_with_one_id_need_the_channel(token_client, bot, ada):
    EndUserFactory(bot=bot, external_id="ada", channel="messenger")

    ambiguous = token_client.get(user_url(bot, "ada"))
    chosen = token_client.get(user_url(bot, "ada", "?channel=messenger"))

    assert ambiguous.status_code == 422
    assert ambiguous.json()["code"] == "ambiguous_user"
    assert chosen.json()["channel"] == "messenger"


def test_an_oversize_user_id_is_422(token_client, bot):
    assert token_client.get(user_url(bot, "u" * 201)).status_code == 422
