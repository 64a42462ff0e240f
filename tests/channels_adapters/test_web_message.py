"""What a visitor may see of a message."""

from __future__ import annotations

from channels_adapters.web import public_message

CARD = {"id": 7, "agentId": 7, "name": "Sam", "username": "sam", "avatarUrl": "/media/a/sam.png"}


def test_agent_message_shows_name_and_avatar_only():
    data = {
        "id": 1,
        "conversationId": 3,
        "channel": "web",
        "direction": "agent",
        "type": "text",
        "text": "Hi",
        "payload": {},
        "author": CARD,
        "externalId": None,
        "deliveryStatus": "",
        "createdAt": "2026-11-26T00:00:00Z",
    }

    assert public_message(data) == {
        "id": 1,
        "direction": "agent",
        "type": "text",
        "text": "Hi",
        "payload": {},
        "agent": {"name": "Sam", "avatarUrl": "/media/a/sam.png"},
        "createdAt": "2026-11-26T00:00:00Z",
    }


def test_assign_notice_keeps_the_agents_card_without_the_username():
    data = {
        "id": 2,
        "direction": "system",
        "text": "You have been assigned to our agent Sam.",
        "payload": {"type": "text", "agent": CARD},
        "author": None,
    }

    message = public_message(data)

    assert message["payload"]["agent"] == {"name": "Sam", "avatarUrl": "/media/a/sam.png"}
    assert message["agent"] is None
