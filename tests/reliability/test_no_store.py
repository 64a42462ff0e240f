"""Issue 19, item 5: agent pages and API answers are never kept by a browser or a proxy cache
(`Cache-Control: no-store`); static files and the web chat's scripts stay cacheable."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api.conftest import api_url

pytestmark = pytest.mark.django_db


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.fixture
def admin_session(admin) -> Client:
    admin.is_staff = True
    admin.save()
    client = Client()
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/workspace/{bot}/",
        "/workspace/conversations/",
        "/workspace/reports/",
        "/accounts/profile/",
        "/admin/",
        "/api/v1/bots/{bot}/mod/hitlnext/handoffs",
        "/api/v1/bots/{bot}/mod/hitlnext/reports/csv",
        "/api/schema/",
    ],
)
def test_agent_pages_and_api_answers_are_not_stored(admin_session, bot, path):
    response = admin_session.get(path.format(bot=bot.bot_id))

    assert response.status_code == 200, path
    assert no_store(response), response.get("Cache-Control")


def test_a_redirect_between_agent_pages_is_not_stored(admin_session, bot):
    response = admin_session.get("/workspace/")

    assert response.status_code == 302
    assert no_store(response)


def test_refusals_are_not_stored_either(token_client, bot):
    response = token_client.get(api_url(bot, "mod/hitlnext/agents/me"))

    assert response.status_code == 403
    assert no_store(response)


def test_the_web_chat_history_is_not_stored(client, bot):
    from channels_adapters import services as adapter_services

    token = adapter_services.web_token_new(bot=bot)

    response = client.get(f"/chat/{bot.bot_id}/messages/", headers={"X-Hitl-Chat-Token": token})

    assert response.status_code == 200
    assert no_store(response)


@pytest.mark.parametrize("path", ["/static/hitl/widget.js", "/static/hitl/chat.js"])
def test_static_files_stay_cacheable(settings, path):
    # WhiteNoise serves from the finders, as in development; in production from STATIC_ROOT.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True

    response = Client().get(path)

    assert response.status_code == 200
    assert not no_store(response)
