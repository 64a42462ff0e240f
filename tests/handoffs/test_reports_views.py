"""The report over REST (JSON and CSV) and as the admins' page."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from agents.services import api_token_create
from handoffs import services
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(bot, agent):
    handoff, _ = services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))
    services.handoff_assign(handoff=handoff, agent=agent)
    return services.handoff_resolve(handoff=handoff, actor=agent)


def url(bot, suffix: str = "") -> str:
    return f"/api/v1/bots/{bot.bot_id}/mod/hitlnext/reports{suffix}"


def test_token_reads_the_report(bot, resolved):
    _, key = api_token_create(workspace=bot.workspace, name="bi")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    body = client.get(url(bot)).json()

    assert body["totals"]["handoffs"] == 1
    assert body["totals"]["resolved"] == 1
    assert len(body["days"]) == 7
    assert body["agents"][0]["agentId"] == resolved.agent_id


def test_admin_downloads_csv(bot, admin, resolved):
    client = APIClient()
    client.force_login(admin)

    response = client.get(url(bot, "/csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode().startswith("section,key")


def test_agent_is_refused(bot, agent):
    client = APIClient()
    client.force_login(agent)

    response = client.get(url(bot))

    assert response.status_code == 403
    assert response.json()["code"] == "admin_required"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("?from=2026-13-01", "invalid_date"),
        ("?from=2026-03-05&to=2026-03-01", "invalid_range"),
        ("?from=2020-01-01&to=2026-01-01", "invalid_range"),
    ],
)
def test_bad_ranges_are_400(bot, admin, query, code):
    client = APIClient()
    client.force_login(admin)

    response = client.get(url(bot) + query)

    assert response.status_code == 422
    assert response.json()["code"] == code


def test_admin_page_shows_the_numbers(client, bot, admin, resolved):
    client.force_login(admin)

    response = client.get("/workspace/reports/")

    assert response.status_code == 200
    assert b"Handoff reports" in response.content
    assert b"1 handoff from" in response.content


def test_admin_page_csv(client, bot, admin, resolved):
    client.force_login(admin)

    response = client.get(f"/workspace/reports/?bot={bot.bot_id}&format=csv")

    assert response["Content-Type"] == "text/csv"


def test_admin_page_shows_a_bad_range_as_a_message(client, bot, admin):
    client.force_login(admin)

    response = client.get("/workspace/reports/?from=nope")

    assert response.status_code == 200
    assert b"YYYY-MM-DD" in response.content


def test_agents_cannot_open_the_page(client, bot, agent):
    client.force_login(agent)

    assert client.get("/workspace/reports/").status_code == 403
