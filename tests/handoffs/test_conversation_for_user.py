"""Finding a user's conversation by channel and id, as Botpress's paths name it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from agents.errors import ApplicationError
from handoffs import services
from handoffs.models import Conversation, EndUser
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


def test_a_new_user_gets_a_user_and_a_conversation(bot):
    conversation = services.conversation_for_user(bot=bot, channel="api", user_id="u1")

    assert conversation.end_user == EndUser.objects.get(bot=bot, channel="api", external_id="u1")
    assert conversation.thread_id == ""


def test_without_a_thread_the_latest_conversation_is_meant(bot):
    older = ConversationFactory(end_user__bot=bot, thread_id="a")
    newer = ConversationFactory(end_user=older.end_user, bot=bot, thread_id="b")
    Conversation.objects.filter(pk=older.pk).update(last_message_at=timezone.now())
    Conversation.objects.filter(pk=newer.pk).update(
        last_message_at=timezone.now() + timezone.timedelta(seconds=1)
    )

    found = services.conversation_for_user(
        bot=bot, channel="web", user_id=older.end_user.external_id
    )

    assert found == newer


def test_a_thread_names_its_own_conversation(bot, conversation):
    found = services.conversation_for_user(
        bot=bot, channel="web", user_id=conversation.end_user.external_id, thread_id="t-9"
    )

    assert found != conversation
    assert found.thread_id == "t-9"


@pytest.mark.parametrize("channel", ["", "c" * 41])
def test_a_channel_must_fit(channel, bot):
    with pytest.raises(ApplicationError) as error:
        services.conversation_for_user(bot=bot, channel=channel, user_id="u1")

    assert error.value.code == "invalid_channel"
