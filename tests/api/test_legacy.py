"""Botpress's legacy HITL paths, called exactly as its module calls them."""

from __future__ import annotations

import pytest

from handoffs.models import Conversation, EndUser, Handoff
from tests.factories import BotFactory, ConversationFactory

from .conftest import api_url

pytestmark = pytest.mark.django_db


def test_pause_then_unpause_a_session_as_botpress_does(token_client, bot, new_events):
    bot.bot_id = "welcome-bot"
    bot.save()
    conversation = ConversationFactory(end_user__bot=bot, thread_id="t-1")

    paused = token_client.post(
        f"/api/v1/bots/welcome-bot/mod/hitl/sessions/{conversation.pk}/pause"
    )
    unpaused = token_client.post(
        f"/api/v1/bots/welcome-bot/mod/hitl/sessions/{conversation.pk}/unpause"
    )

    assert paused.status_code == unpaused.status_code == 200
    body = paused.json()
    assert body["id"] == conversation.pk
    assert body["paused"] is True
    assert body["channel"] == "web"
    assert body["userId"] == conversation.end_user.external_id
    assert body["threadId"] == "t-1"
    assert unpaused.json()["paused"] is False
    conversation.refresh_from_db()
    assert not conversation.paused
    assert [t for t, _ in new_events()] == ["conversation.paused", "conversation.unpaused"]


def test_pausing_twice_writes_one_event(token_client, bot, conversation, new_events):
    url = api_url(bot, f"mod/hitl/sessions/{conversation.pk}/pause")

    token_client.post(url)
    token_client.post(url)

    assert [t for t, _ in new_events()] == ["conversation.paused"]


def test_an_agents_pause_records_who_paused(agent_client, agent, bot, conversation):
    response = agent_client.post(api_url(bot, f"mod/hitl/sessions/{conversation.pk}/pause"))

    assert response.json()["pausedBy"]["agentId"] == agent.pk


def test_unpause_resolves_the_open_handoff(token_client, bot, pending_handoff, conversation):
    response = token_client.post(api_url(bot, f"mod/hitl/sessions/{conversation.pk}/unpause"))

    pending_handoff.refresh_from_db()
    assert response.json()["paused"] is False
    assert pending_handoff.status == Handoff.Status.RESOLVED


def test_an_unknown_session_is_404(token_client, bot):
    response = token_client.post(api_url(bot, "mod/hitl/sessions/999999/pause"))

    assert response.status_code == 404
    assert response.json()["code"] == "conversation_not_found"


def test_a_session_of_another_bot_is_404(token_client, bot, workspace):
    other = ConversationFactory(end_user__bot=BotFactory(workspace=workspace))

    response = token_client.post(api_url(bot, f"mod/hitl/sessions/{other.pk}/pause"))

    assert response.status_code == 404
    other.refresh_from_db()
    assert not other.paused


def test_pause_by_channel_and_user_creates_them(token_client, bot, new_events):
    response = token_client.post(api_url(bot, "mod/hitl/channel/telegram/user/u-42/pause"))

    assert response.status_code == 200
    body = response.json()
    assert (body["channel"], body["userId"], body["paused"]) == ("telegram", "u-42", True)
    end_user = EndUser.objects.get(bot=bot, channel="telegram", external_id="u-42")
    assert Conversation.objects.get(end_user=end_user).paused
    assert "conversation.paused" in [t for t, _ in new_events()]


def test_pause_by_user_pauses_their_latest_conversation(token_client, bot, conversation):
    end_user = conversation.end_user
    url = f"mod/hitl/channel/web/user/{end_user.external_id}/pause"

    response = token_client.post(api_url(bot, url))

    assert response.json()["id"] == conversation.pk
    assert Conversation.objects.filter(end_user=end_user).count() == 1


def test_unpause_by_channel_and_user(token_client, bot, pending_handoff, conversation):
    url = f"mod/hitl/channel/web/user/{conversation.end_user.external_id}/unpause"

    response = token_client.post(api_url(bot, url))

    pending_handoff.refresh_from_db()
    assert response.json()["paused"] is False
    assert pending_handoff.status == Handoff.Status.RESOLVED


def test_an_oversize_channel_is_422(token_client, bot):
    response = token_client.post(api_url(bot, f"mod/hitl/channel/{'c' * 41}/user/u/pause"))

    assert response.status_code == 422
    assert "channel" in response.json()["errors"]


def test_an_oversize_user_id_is_422(token_client, bot):
    response = token_client.post(api_url(bot, f"mod/hitl/channel/web/user/{'u' * 201}/pause"))

    assert response.status_code == 422
    assert "userId" in response.json()["errors"]
