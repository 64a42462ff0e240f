"""Filters for the first render of the conversations view; conversations.js applies the same."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def conversation_status(conversation: dict[str, Any] | None) -> dict[str, str]:
    """Who has the user: the queue, an agent, the agent who paused the bot, or the bot."""
    if not conversation:
        return {"kind": "bot", "label": ""}
    handoff = conversation.get("openHandoff")
    if handoff and handoff["status"] == "pending":
        return {"kind": "pending", "label": "Waiting for an agent"}
    if handoff:
        agent = (handoff.get("agent") or {}).get("name") or "an agent"
        return {"kind": "assigned", "label": f"With {agent}"}
    if conversation.get("paused"):
        by = (conversation.get("pausedBy") or {}).get("name")
        return {"kind": "paused", "label": f"Paused by {by}" if by else "Paused"}
    return {"kind": "bot", "label": "Bot"}


@register.filter
def last_line(conversation: dict[str, Any] | None) -> str:
    """The last message, prefixed with its author unless the user wrote it."""
    message = (conversation or {}).get("lastMessage")
    if not message:
        return ""
    text = message.get("text") or f"[{message.get('type', 'message')}]"
    direction = message.get("direction")
    if direction == "incoming":
        return text
    if direction == "agent":
        author = (message.get("author") or {}).get("name") or "Agent"
    else:
        author = "Bot" if direction == "outgoing" else "System"
    return f"{author}: {text}"
