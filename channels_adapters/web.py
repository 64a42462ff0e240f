"""The `web` channel: the built-in web chat (`/chat/<bot_id>/` and the embeddable widget)."""

from __future__ import annotations

from typing import Any

from handoffs.models import Message
from handoffs.realtime import publisher

CHANNEL = publisher.WEB_CHAT_CHANNEL
# Nothing to push: the publisher sends every message event to `enduser-<conversation>`, the
# group the visitor's socket listens to (consumers.WebChatConsumer).
send = None
on_dead = None


def public_message(data: dict[str, Any]) -> dict[str, Any]:
    """What a visitor may see of a message (camelCase representation): the agent's name and
    avatar, never usernames, ids or delivery details."""
    payload = dict(data.get("payload") or {})
    card = payload.pop("agent", None)
    if data.get("direction") == Message.Direction.SYSTEM and isinstance(card, dict):
        # The assign notice carries the agent's card for the widget to show. Only hitl writes
        # system messages: a card in a bot's or a visitor's payload would let them pose as
        # any agent, with any picture.
        payload["agent"] = _agent(card)
    author = data.get("author")
    return {
        "id": data["id"],
        "direction": data["direction"],
        "type": data.get("type") or "text",
        "text": data.get("text") or "",
        "payload": payload,
        "agent": _agent(author) if isinstance(author, dict) else None,
        "createdAt": data.get("createdAt"),
    }


def _agent(card: dict[str, Any]) -> dict[str, Any]:
    return {"name": card.get("name") or "", "avatarUrl": card.get("avatarUrl")}
