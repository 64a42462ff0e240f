"""The bell speaks each agent's language (issue 24): a notification the services write is in its
recipient's profile language, English for one who follows the browser; text from outside (a
bot, an API client) is kept as given."""

from __future__ import annotations

import pytest
from django.utils import translation

from agents.models import AgentProfile
from handoffs import services
from handoffs.models import Notification
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


def speaks(user, language: str) -> None:
    AgentProfile.objects.update_or_create(user=user, defaults={"language": language})


def message_of(user) -> str:
    return Notification.objects.get(recipient=user).message


def test_a_new_handoff_is_announced_in_each_members_language(bot, agent, other_agent, admin):
    speaks(agent, "fr")
    speaks(other_agent, "es")
    conversation = ConversationFactory(end_user__bot=bot, end_user__variables={"fullName": "Ada"})

    services.handoff_request(conversation=conversation)

    assert message_of(agent) == "Nouveau transfert : Ada attend un agent."
    assert message_of(other_agent) == "Nuevo traspaso: Ada espera a un agente."
    assert message_of(admin) == "New handoff: Ada is waiting for an agent."


def test_a_transfer_is_told_in_the_new_agents_language_not_the_senders(
    assigned_handoff, agent, other_agent
):
    speaks(other_agent, "es")
    agent_name = agent.agent_profile.display_name

    with translation.override("fr"):
        services.handoff_transfer(handoff=assigned_handoff, to_agent=other_agent, actor=agent)
        assert translation.get_language() == "fr"

    assert message_of(other_agent).startswith(f"{agent_name} le ha transferido el traspaso de ")


def test_a_notification_from_outside_keeps_its_words(bot, agent):
    speaks(agent, "fr")

    services.notify(
        workspace_id=bot.workspace_id,
        recipient_ids=[agent.pk],
        kind=Notification.Kind.CUSTOM,
        message="Order 42 shipped",
    )

    assert message_of(agent) == "Order 42 shipped"
