"""Hand-written representations give exactly what their declared fields would."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from handoffs import services
from handoffs.models import Message
from handoffs.representations import MessageRepresentation
from handoffs.services.messages import message_send_system

pytestmark = pytest.mark.django_db


def declared(message: Message) -> dict:
    return serializers.ModelSerializer.to_representation(MessageRepresentation(), message)


def test_messages_of_every_kind_match_their_declared_fields(bot, conversation, agent):
    services.conversation_pause(conversation=conversation)
    received = services.message_ingest(
        bot=bot,
        channel=conversation.channel,
        user_id=conversation.end_user.external_id,
        text="à bientôt 👋",
        payload={"type": "quick_reply", "some_key": [1, {"x": None}]},
        external_id="ext-1",
    )
    services.message_send_agent(conversation=conversation, agent=agent, text="Hello")
    services.message_send_bot(conversation=conversation, payload={"text": "no type"})
    failed = message_send_system(conversation=conversation, text="Notice")
    Message.objects.filter(pk=failed.pk).update(delivery_status="failed", delivery_error="refused")
    messages = list(Message.objects.select_related("conversation", "author").order_by("id"))

    assert {m.direction for m in messages} >= {"incoming", "agent", "outgoing", "system"}
    assert received.message in messages
    for message in messages:
        assert MessageRepresentation(message).data == declared(message)
    assert MessageRepresentation(messages, many=True).data == [declared(m) for m in messages]


def test_a_message_just_created_shows_plain_strings(bot, conversation):
    received = services.message_ingest(
        bot=bot, channel=conversation.channel, user_id=conversation.end_user.external_id, text="Hi"
    )
    representation = MessageRepresentation(received.message).data

    assert representation == declared(received.message)
    assert type(representation["direction"]) is str
    assert type(representation["delivery_status"]) is str
