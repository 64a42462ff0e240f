"""Deleting a conversation: only where the bot allows it, and never someone else's handoff."""

from __future__ import annotations

import pytest

from agents.errors import Forbidden
from handoffs import services
from handoffs.models import Conversation, Handoff, Message, Note
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deletable(bot):
    bot.enable_conversation_deletion = True
    bot.save()
    return bot


def test_it_erases_messages_notes_and_handoffs(deletable, assigned_handoff, agent, conversation):
    services.note_add(conversation=conversation, author=agent, text="VIP")
    services.message_send_agent(conversation=conversation, agent=agent, text="Hi")

    services.conversation_delete(conversation=conversation, actor=agent)

    assert not Conversation.objects.filter(pk=conversation.pk).exists()
    assert not Message.objects.filter(conversation_id=conversation.pk).exists()
    assert not Note.objects.filter(conversation_id=conversation.pk).exists()
    assert not Handoff.objects.filter(pk=assigned_handoff.pk).exists()


def test_it_emits_conversation_deleted(
    deletable, assigned_handoff, agent, conversation, new_events
):
    conversation_id = conversation.pk

    services.conversation_delete(conversation=conversation, actor=agent)

    assert new_events() == [
        (
            "conversation.deleted",
            {
                "id": conversation_id,
                "botId": deletable.bot_id,
                "channel": conversation.channel,
                "userId": conversation.end_user.external_id,
                "handoffIds": [assigned_handoff.pk],
            },
        )
    ]


def test_it_is_refused_when_the_bot_does_not_allow_it(bot, assigned_handoff, agent, conversation):
    with pytest.raises(Forbidden) as error:
        services.conversation_delete(conversation=conversation, actor=agent)

    assert error.value.code == "deletion_disabled"
    assert Conversation.objects.filter(pk=conversation.pk).exists()


def test_an_agent_cannot_delete_a_waiting_users_conversation(
    deletable, pending_handoff, agent, conversation
):
    with pytest.raises(Forbidden):
        services.conversation_delete(conversation=conversation, actor=agent)


def test_an_agent_cannot_delete_another_agents_handoff(
    deletable, assigned_handoff, other_agent, conversation
):
    with pytest.raises(Forbidden):
        services.conversation_delete(conversation=conversation, actor=other_agent)


def test_any_agent_may_delete_a_closed_conversation(
    deletable, assigned_handoff, agent, other_agent, conversation
):
    services.handoff_resolve(handoff=assigned_handoff, actor=agent)

    services.conversation_delete(conversation=conversation, actor=other_agent)

    assert not Conversation.objects.filter(pk=conversation.pk).exists()


def test_an_admin_may_delete_any_conversation(deletable, pending_handoff, admin, conversation):
    services.conversation_delete(conversation=conversation, actor=admin)

    assert not Conversation.objects.filter(pk=conversation.pk).exists()


def test_a_stranger_cannot_delete(deletable, conversation):
    with pytest.raises(Forbidden):
        services.conversation_delete(conversation=conversation, actor=UserFactory())


def test_an_admin_of_another_workspace_cannot_delete(deletable, conversation):
    outsider = MembershipFactory(role="admin").user

    with pytest.raises(Forbidden):
        services.conversation_delete(conversation=conversation, actor=outsider)
