"""Assign, resolve, reject, requeue, transfer and comment on one handoff."""

from __future__ import annotations

import pytest

from handoffs.models import Handoff, Note
from tests.factories import MembershipFactory

from .conftest import api_url

pytestmark = pytest.mark.django_db


def action(bot, handoff: Handoff, name: str) -> str:
    return api_url(bot, f"mod/hitlnext/handoffs/{handoff.pk}/{name}")


# -- assign


def test_assign_as_botpress_does(agent_client, agent, bot, pending_handoff, new_events):
    response = agent_client.post(action(bot, pending_handoff, "assign"))

    assert response.status_code == 200
    assert response.json()["status"] == "assigned"
    assert response.json()["agentId"] == agent.pk
    assert [t for t, _ in new_events()] == ["handoff.updated", "message.created"]


def test_a_token_cannot_assign(token_client, bot, pending_handoff):
    response = token_client.post(action(bot, pending_handoff, "assign"))

    assert response.status_code == 403
    assert response.json()["code"] == "agent_required"


def test_an_offline_agent_cannot_assign(agent_client, agent, bot, pending_handoff):
    agent.memberships.update(online=False)

    response = agent_client.post(action(bot, pending_handoff, "assign"))

    assert response.status_code == 422
    assert response.json()["message"] == "You must be online to perform this action"


def test_the_second_agent_gets_422_with_the_holder(
    agent_client,
    other_agent_client,
    agent,
    bot,
    pending_handoff,
):
    agent_client.post(action(bot, pending_handoff, "assign"))

    response = other_agent_client.post(action(bot, pending_handoff, "assign"))

    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["status"], body["agentId"]) == (
        "handoff_assigned",
        "assigned",
        agent.pk,
    )
    assert agent.agent_profile.display_name in body["message"]


def test_an_admin_assigns_someone_else(admin_client, agent, bot, pending_handoff):
    response = admin_client.post(
        action(bot, pending_handoff, "assign"), {"agentId": agent.pk}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["agentId"] == agent.pk


def test_an_agent_cannot_assign_someone_else(agent_client, other_agent, bot, pending_handoff):
    response = agent_client.post(
        action(bot, pending_handoff, "assign"), {"agentId": other_agent.pk}, format="json"
    )

    assert response.status_code == 403


@pytest.mark.parametrize("agent_id", ["abc", 0, 999999])
def test_assign_to_a_bad_agent_id_is_422(agent_id, admin_client, bot, pending_handoff):
    response = admin_client.post(
        action(bot, pending_handoff, "assign"), {"agentId": agent_id}, format="json"
    )

    assert response.status_code == 422
    assert "agentId" in response.json()["errors"]


def test_assign_someone_of_another_workspace_is_422(admin_client, bot, pending_handoff):
    outsider = MembershipFactory().user

    response = admin_client.post(
        action(bot, pending_handoff, "assign"), {"agentId": outsider.pk}, format="json"
    )

    assert response.status_code == 422


@pytest.mark.parametrize("name", ["assign", "resolve", "reject", "requeue", "transfer", "comments"])
def test_an_unknown_handoff_is_404(name, agent_client, bot):
    url = api_url(bot, f"mod/hitlnext/handoffs/999999/{name}")

    response = agent_client.post(url, {"agentId": 1, "content": "x"}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "handoff_not_found"


# -- resolve


def test_the_holder_resolves(agent_client, bot, assigned_handoff, conversation):
    response = agent_client.post(action(bot, assigned_handoff, "resolve"))

    conversation.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["status"] == "resolved"
    assert response.json()["resolvedAt"] is not None
    assert not conversation.paused


def test_another_agent_cannot_resolve(other_agent_client, bot, assigned_handoff):
    response = other_agent_client.post(action(bot, assigned_handoff, "resolve"))

    assert response.status_code == 403
    assert response.json()["code"] == "not_assigned_agent"


def test_resolving_a_pending_handoff_is_422(agent_client, bot, pending_handoff):
    response = agent_client.post(action(bot, pending_handoff, "resolve"))

    assert response.status_code == 422
    assert response.json()["status"] == "pending"


def test_a_token_cannot_resolve(token_client, bot, assigned_handoff):
    assert token_client.post(action(bot, assigned_handoff, "resolve")).status_code == 403


# -- reject


def test_a_token_rejects_as_the_system(token_client, bot, pending_handoff, conversation):
    response = token_client.post(action(bot, pending_handoff, "reject"))

    conversation.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert not conversation.paused


def test_an_agent_rejects(agent_client, bot, pending_handoff):
    assert agent_client.post(action(bot, pending_handoff, "reject")).json()["status"] == "rejected"


def test_rejected_is_final(token_client, agent_client, bot, pending_handoff):
    token_client.post(action(bot, pending_handoff, "reject"))

    response = agent_client.post(action(bot, pending_handoff, "assign"))

    assert response.status_code == 422
    assert response.json()["code"] == "handoff_rejected"


# -- requeue


def test_the_holder_requeues(agent_client, bot, assigned_handoff):
    response = agent_client.post(action(bot, assigned_handoff, "requeue"))

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["agentId"]) == ("pending", None)


def test_requeue_of_a_pending_handoff_is_422(agent_client, bot, pending_handoff):
    assert agent_client.post(action(bot, pending_handoff, "requeue")).status_code == 422


def test_a_token_cannot_requeue(token_client, bot, assigned_handoff):
    assert token_client.post(action(bot, assigned_handoff, "requeue")).status_code == 403


# -- transfer


def test_the_holder_transfers(agent_client, other_agent, bot, assigned_handoff):
    response = agent_client.post(
        action(bot, assigned_handoff, "transfer"), {"agentId": other_agent.pk}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["agentId"] == other_agent.pk


def test_transfer_to_an_offline_agent_is_422(agent_client, other_agent, bot, assigned_handoff):
    other_agent.memberships.update(online=False)

    response = agent_client.post(
        action(bot, assigned_handoff, "transfer"), {"agentId": other_agent.pk}, format="json"
    )

    assert response.status_code == 422


@pytest.mark.parametrize("body", [{}, {"agentId": "sam"}, {"agentId": None}])
def test_transfer_with_a_bad_body_is_422(body, agent_client, bot, assigned_handoff):
    response = agent_client.post(action(bot, assigned_handoff, "transfer"), body, format="json")

    assert response.status_code == 422
    assert "agentId" in response.json()["errors"]


def test_a_token_cannot_transfer(token_client, other_agent, bot, assigned_handoff):
    response = token_client.post(
        action(bot, assigned_handoff, "transfer"), {"agentId": other_agent.pk}, format="json"
    )

    assert response.status_code == 403


# -- comments


def test_comment_as_botpress_does(agent_client, agent, bot, pending_handoff, new_events):
    response = agent_client.post(
        action(bot, pending_handoff, "comments"), {"content": "VIP customer"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["content"] == "VIP customer"
    assert response.json()["handoffId"] == pending_handoff.pk
    assert response.json()["author"]["agentId"] == agent.pk
    assert [t for t, _ in new_events()] == ["note.created"]


def test_a_comment_shows_on_the_handoff(agent_client, token_client, bot, pending_handoff):
    agent_client.post(action(bot, pending_handoff, "comments"), {"content": "hi"}, format="json")

    handoff = token_client.get(api_url(bot, "mod/hitlnext/handoffs")).json()[0]

    assert [c["content"] for c in handoff["comments"]] == ["hi"]


@pytest.mark.parametrize("body", [{}, {"content": ""}, {"content": ["x"]}])
def test_comment_with_a_bad_body_is_422(body, agent_client, bot, pending_handoff):
    response = agent_client.post(action(bot, pending_handoff, "comments"), body, format="json")

    assert response.status_code == 422
    assert "content" in response.json()["errors"]


def test_an_oversize_comment_is_413(agent_client, bot, pending_handoff):
    body = {"content": "x" * 10_001}

    response = agent_client.post(action(bot, pending_handoff, "comments"), body, format="json")

    assert response.status_code == 413
    assert response.json()["code"] == "text_too_long"
    assert not Note.objects.exists()


def test_a_token_cannot_comment(token_client, bot, pending_handoff):
    response = token_client.post(
        action(bot, pending_handoff, "comments"), {"content": "x"}, format="json"
    )

    assert response.status_code == 403
