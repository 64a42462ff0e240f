"""Filters for the first render of the conversations view; conversations.js applies the same."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def conversation_status(conversation: dict[str, Any] | None) -> dict[str, str]:
    """Who has the user: the queue, an agent, the agent who paused the bot, or the bot."""
    if not conversation:
        return {"kind": "bot", "label": ""}
    handoff = conversation.get("openHandoff")
    if handoff and handoff["status"] == "pending":
        return {"kind": "pending", "label": _("Waiting for an agent")}
    if handoff:
        agent = (handoff.get("agent") or {}).get("name") or _("an agent")
        return {"kind": "assigned", "label": _("With %(agent)s") % {"agent": agent}}
    if conversation.get("paused"):
        by = (conversation.get("pausedBy") or {}).get("name")
        label = _("Paused by %(agent)s") % {"agent": by} if by else _("Paused")
        return {"kind": "paused", "label": label}
    return {"kind": "bot", "label": _("Bot")}


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
        author = (message.get("author") or {}).get("name") or _("Agent")
    else:
        author = _("Bot") if direction == "outgoing" else _("System")
    return f"{author}: {text}"
