"""The workspace's delete endpoint: session and CSRF, JSON in the API's error shape."""

from __future__ import annotations

import pytest
from django.test import Client

from handoffs.models import Conversation
from tests.factories import BotFactory, ConversationFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def url(bot, conversation) -> str:  # noqa: ANN001
    return f"/workspace/{bot.bot_id}/conversations/{conversation.pk}/delete/"


@pytest.fixture
def deletable(bot):
    bot.enable_conversation_deletion = True
    bot.save()
    return bot


def test_holder_deletes_the_conversation(login, deletable, agent, assigned_handoff, conversation):
    response = login(agent).post(url(deletable, conversation))

    assert response.status_code == 200
    assert response.json() == {"deleted": True, "conversationId": conversation.pk}
    assert not Conversation.objects.filter(pk=conversation.pk).exists()


def test_disabled_bot_answers_403_with_the_api_error_body(login, bot, agent, conversation):
    response = login(agent).post(url(bot, conversation))

    assert response.status_code == 403
    assert response.json()["code"] == "deletion_disabled"
    assert response.json()["statusCode"] == 403


def test_get_is_not_allowed(login, deletable, agent, conversation):
    assert login(agent).get(url(deletable, conversation)).status_code == 405


def test_anonymous_gets_401(client, deletable, conversation):
    response = client.post(url(deletable, conversation))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_member_of_another_workspace_gets_404(login, deletable, conversation):
    foreign_bot = BotFactory(enable_conversation_deletion=True)
    outsider = MembershipFactory(workspace=foreign_bot.workspace, role="admin").user

    response = login(outsider).post(url(deletable, conversation))

    assert response.status_code == 404
    assert Conversation.objects.filter(pk=conversation.pk).exists()


def test_another_bots_conversation_is_404(login, deletable, admin, workspace):
    sibling = BotFactory(workspace=workspace, enable_conversation_deletion=True)
    conversation = ConversationFactory(end_user__bot=sibling)

    response = login(admin).post(url(deletable, conversation))

    assert response.status_code == 404
    assert Conversation.objects.filter(pk=conversation.pk).exists()


def test_csrf_is_enforced(deletable, admin, conversation):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)

    assert client.post(url(deletable, conversation)).status_code == 403
    assert Conversation.objects.filter(pk=conversation.pk).exists()
