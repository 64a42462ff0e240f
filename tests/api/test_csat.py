"""POST mod/hitlnext/handoffs/<id>/csat: a bot records the user's rating of an ended handoff."""

from __future__ import annotations

import pytest

from handoffs import services

from .conftest import api_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(assigned_handoff, agent):
    return services.handoff_resolve(handoff=assigned_handoff, actor=agent)


def csat_url(bot, handoff) -> str:
    return api_url(bot, f"mod/hitlnext/handoffs/{handoff.pk}/csat")


def test_a_token_records_score_and_comment(token_client, bot, resolved, new_events):
    response = token_client.post(
        csat_url(bot, resolved), {"score": 5, "comment": "Quick and kind"}, format="json"
    )

    assert response.status_code == 200
    csat = response.json()["csat"]
    assert (csat["score"], csat["comment"]) == (5, "Quick and kind")
    assert csat["answeredAt"]
    assert [p["csat"]["score"] for t, p in new_events() if t == "handoff.updated"] == [5]


def test_a_later_rating_replaces_it(token_client, bot, resolved):
    token_client.post(csat_url(bot, resolved), {"score": 2}, format="json")
    response = token_client.post(csat_url(bot, resolved), {"score": 3}, format="json")

    assert response.json()["csat"] == {
        "score": 3,
        "comment": "",
        "answeredAt": response.json()["csat"]["answeredAt"],
    }


def test_an_unrated_handoff_has_no_csat_field(token_client, bot, resolved):
    response = token_client.get(api_url(bot, f"mod/hitlnext/handoffs/{resolved.pk}"))

    assert "csat" not in response.json()


@pytest.mark.parametrize(
    "body",
    [{}, {"score": 0}, {"score": 6}, {"score": "abc"}, {"score": 2.5}, {"score": None}],
)
def test_bad_scores_are_422(token_client, bot, resolved, body):
    response = token_client.post(csat_url(bot, resolved), body, format="json")

    assert response.status_code == 422
    assert "score" in response.json()["errors"]


def test_a_too_long_comment_is_422(token_client, bot, resolved):
    response = token_client.post(
        csat_url(bot, resolved), {"score": 4, "comment": "x" * 1001}, format="json"
    )

    assert response.status_code == 422
    assert "comment" in response.json()["errors"]


def test_an_open_handoff_cannot_be_rated(token_client, bot, assigned_handoff):
    response = token_client.post(csat_url(bot, assigned_handoff), {"score": 4}, format="json")

    assert response.status_code == 422
    assert response.json()["code"] == "handoff_assigned"


def test_an_agent_cannot_rate(agent_client, bot, resolved):
    response = agent_client.post(csat_url(bot, resolved), {"score": 5}, format="json")

    assert response.status_code == 403


def test_an_admin_may(admin_client, bot, resolved):
    response = admin_client.post(csat_url(bot, resolved), {"score": 1}, format="json")

    assert response.status_code == 200


def test_another_bots_handoff_is_404(token_client, foreign_bot, resolved):
    response = token_client.post(csat_url(foreign_bot, resolved), {"score": 4}, format="json")

    assert response.status_code == 404


def test_the_report_api_carries_the_average(token_client, bot, resolved):
    token_client.post(csat_url(bot, resolved), {"score": 3}, format="json")
    day = resolved.created_at.date().isoformat()

    totals = token_client.get(api_url(bot, f"mod/hitlnext/reports?from={day}&to={day}")).json()[
        "totals"
    ]

    assert (totals["csatAverage"], totals["csatCount"]) == (3, 1)
