"""Data migrations: what they fill in for the rows that exist when they run."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps

from handoffs import services
from handoffs.models import Conversation
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db

list_order = import_module("handoffs.migrations.0005_handoff_list_order")


def test_conversations_get_their_last_user_message(bot):
    conversation = ConversationFactory(end_user__bot=bot)
    user_id = conversation.end_user.external_id
    for direction, text in (("incoming", "first"), ("incoming", "last"), ("outgoing", "bot")):
        services.message_ingest(
            bot=bot, channel="web", user_id=user_id, direction=direction, text=text
        )
    silent = ConversationFactory(end_user__bot=bot)
    Conversation.objects.update(last_user_message=None)

    list_order.fill_last_user_message(apps, None)

    conversation.refresh_from_db()
    silent.refresh_from_db()
    assert conversation.last_user_message.text == "last"
    assert silent.last_user_message is None
