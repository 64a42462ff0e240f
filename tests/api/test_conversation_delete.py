"""`DELETE mod/hitlnext/conversations/<id>`: what the workspace's Delete button calls."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from handoffs.models import Conversation
from tests.factories import BotFactory, ConversationFactory, MembershipFactory

from .conftest import api_url

pytestmark = pytest.mark.django_db


def url(bot, conversation) -> str:
    return api_url(bot, f"mod/hitlnext/conversations/{conversation.pk}")


@pytest.fixture
def deletable(bot):
    bot.enable_conversation_deletion = True
    bot.save()
    return bot


def test_the_holder_deletes_the_conversation(
    agent_client, deletable, assigned_handoff, conversation
):
    response = agent_client.delete(url(deletable, conversation))

    assert response.status_code == 204
    assert not Conversation.objects.filter(pk=conversation.pk).exists()


def test_a_bot_that_does_not_allow_it_answers_403(agent_client, bot, conversation):
    response = agent_client.delete(url(bot, conversation))

    assert response.status_code == 403
    assert response.json()["code"] == "deletion_disabled"
    assert response.json()["statusCode"] == 403


def test_another_agents_handoff_is_403(
    other_agent_client, deletable, assigned_handoff, conversation
):
    response = other_agent_client.delete(url(deletable, conversation))

    assert response.status_code == 403
    assert Conversation.objects.filter(pk=conversation.pk).exists()


def test_a_token_is_not_an_agent(token_client, deletable, conversation):
    response = token_client.delete(url(deletable, conversation))

    assert (response.status_code, response.json()["code"]) == (403, "agent_required")


def test_anonymous_gets_401(anon_client, deletable, conversation):
    assert anon_client.delete(url(deletable, conversation)).status_code == 401


def test_member_of_another_workspace_gets_404(deletable, conversation):
    foreign_bot = BotFactory(enable_conversation_deletion=True)
    outsider = MembershipFactory(workspace=foreign_bot.workspace, role="admin").user
    client = APIClient()
    client.force_login(outsider)

    assert client.delete(url(deletable, conversation)).status_code == 404
    assert Conversation.objects.filter(pk=conversation.pk).exists()


def test_another_bots_conversation_is_404(admin_client, deletable, workspace):
    sibling = BotFactory(workspace=workspace, enable_conversation_deletion=True)
    conversation = ConversationFactory(end_user__bot=sibling)

    assert admin_client.delete(url(deletable, conversation)).status_code == 404
    assert Conversation.objects.filter(pk=conversation.pk).exists()


def test_csrf_is_enforced(deletable, admin, conversation):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(admin)

    assert client.delete(url(deletable, conversation)).status_code == 403
    assert Conversation.objects.filter(pk=conversation.pk).exists()
