"""Messages to and from the user: languages, routing while paused, idempotent ingest."""

from __future__ import annotations

import pytest

from agents.errors import ApplicationError, Forbidden
from handoffs import services
from handoffs.models import Message
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


def system_texts(conversation):
    return list(conversation.messages.filter(direction="system").values_list("text", flat=True))


def test_transfer_and_assign_messages_in_english(conversation, agent):
    handoff, _ = services.handoff_request(conversation=conversation)
    services.handoff_assign(handoff=handoff, agent=agent)

    assert system_texts(conversation) == [
        "You are being transferred to an agent.",
        f"You have been assigned to our agent {agent.agent_profile.display_name}.",
    ]


def test_messages_in_the_users_language(bot, agent):
    conversation = ConversationFactory(end_user__bot=bot, end_user__variables={"language": "fr"})
    handoff, _ = services.handoff_request(conversation=conversation)
    services.handoff_assign(handoff=handoff, agent=agent)

    name = agent.agent_profile.display_name
    assert system_texts(conversation) == [
        "Vous êtes transféré(e) à un agent.",
        f"Vous avez été assigné(e) à notre agent {name}.",
    ]


def test_regional_language_falls_back_to_its_base(bot):
    conversation = ConversationFactory(end_user__bot=bot, end_user__variables={"language": "es-MX"})
    services.handoff_request(conversation=conversation)

    assert system_texts(conversation) == ["Está siendo transferido a un agente."]


def test_unknown_language_falls_back_to_the_bots_default(bot):
    bot.default_language = "fr"
    bot.save()
    conversation = ConversationFactory(end_user__bot=bot, end_user__variables={"language": "de"})

    services.handoff_request(conversation=conversation)

    assert system_texts(conversation) == ["Vous êtes transféré(e) à un agent."]


def test_falls_back_to_english_last(bot):
    bot.default_language = "it"
    bot.save()
    conversation = ConversationFactory(end_user__bot=bot, end_user__variables={"language": "de"})

    services.handoff_request(conversation=conversation)

    assert system_texts(conversation) == ["You are being transferred to an agent."]


def test_assign_message_carries_the_agent_card(pending_handoff, agent, conversation):
    services.handoff_assign(handoff=pending_handoff, agent=agent)

    message = conversation.messages.filter(direction="system").last()
    assert message.payload["agent"]["name"] == agent.agent_profile.display_name
    assert message.payload["agent"]["agentId"] == agent.pk
    assert "avatarUrl" in message.payload["agent"]


def test_user_message_goes_to_the_bot_when_not_paused(bot):
    received = services.message_ingest(bot=bot, channel="web", user_id="u1", text="hi")

    assert received.routed_to == "bot"
    assert received.created


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "image", "url": "https://example.com/a.png"},
        {"type": "quick_reply", "text": "Yes", "payload": "YES"},
        {"type": "file", "url": "https://example.com/a.pdf"},
    ],
)
def test_any_user_message_goes_to_the_agents_while_paused(bot, payload):
    first = services.message_ingest(bot=bot, channel="web", user_id="u1", text="hi")
    services.handoff_request(conversation=first.message.conversation)

    received = services.message_ingest(bot=bot, channel="web", user_id="u1", payload=payload)

    assert received.routed_to == "agent"
    assert received.message.payload == payload


def test_ingest_is_idempotent_by_external_id(bot):
    first = services.message_ingest(
        bot=bot, channel="web", user_id="u1", text="hi", external_id="m-1"
    )
    again = services.message_ingest(
        bot=bot, channel="web", user_id="u1", text="hi", external_id="m-1"
    )

    assert again.message.pk == first.message.pk
    assert not again.created
    assert Message.objects.count() == 1


def test_variables_merge_and_none_removes(bot):
    services.message_ingest(
        bot=bot, channel="web", user_id="u1", text="a", variables={"fullName": "Ann", "x": 1}
    )
    received = services.message_ingest(
        bot=bot, channel="web", user_id="u1", text="b", variables={"x": None, "email": "a@b.c"}
    )

    end_user = received.message.conversation.end_user
    end_user.refresh_from_db()
    assert end_user.variables == {"fullName": "Ann", "email": "a@b.c"}


def test_oversize_text_is_refused_and_nothing_stored(bot):
    with pytest.raises(ApplicationError) as error:
        services.message_ingest(bot=bot, channel="web", user_id="u1", text="x" * 10_001)

    assert error.value.status_code == 413
    assert not Message.objects.exists()


def test_empty_message_is_refused(bot):
    with pytest.raises(ApplicationError):
        services.message_ingest(bot=bot, channel="web", user_id="u1", text="")


def test_agent_cannot_write_without_pause_or_handoff(conversation, agent):
    with pytest.raises(ApplicationError) as error:
        services.message_send_agent(conversation=conversation, agent=agent, text="hello")

    assert error.value.status_code == 422


def test_only_the_assigned_agent_writes(assigned_handoff, conversation, other_agent):
    with pytest.raises(Forbidden):
        services.message_send_agent(conversation=conversation, agent=other_agent, text="hi")


def test_agent_writes_in_a_conversation_paused_by_hand(conversation, agent):
    services.conversation_pause(conversation=conversation, actor=agent)

    message = services.message_send_agent(conversation=conversation, agent=agent, text="hi")

    assert message.direction == "agent"
    assert message.author == agent
