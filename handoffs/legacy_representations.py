"""Botpress's legacy HITL module's JSON: its sessions (our conversations) and their messages.

Keys exactly as modules/hitl/src/backend/db.ts writes them, snake_case ones included
(`raw_message`, `session_id`), so these bodies bypass the API's camelCase renderer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .models import Message

if TYPE_CHECKING:
    from .selectors import SummarizedConversation

# db.ts: a message is `in` from the user, else `out` with the source that sent it.
SOURCES: dict[str, str] = {
    Message.Direction.INCOMING: "user",
    Message.Direction.OUTGOING: "bot",
    Message.Direction.AGENT: "agent",
    Message.Direction.SYSTEM: "bot",
}


def legacy_message(message: Message) -> dict[str, Any]:
    """A row of `hitl_messages`, as getSessionMessages returns it."""
    incoming = message.direction == Message.Direction.INCOMING
    return {
        "id": message.pk,
        "session_id": message.conversation_id,
        "type": (message.payload or {}).get("type", "text"),
        "source": SOURCES.get(message.direction, "bot"),
        "text": message.text,
        "raw_message": message.payload or {"type": "text", "text": message.text},
        "direction": "in" if incoming else "out",
        "ts": message.created_at,
    }


def legacy_session(conversation: SummarizedConversation) -> dict[str, Any]:
    """A session overview, as getAllSessions returns it; reads conversation_queryset's
    prefetched `last_messages`."""
    end_user = conversation.end_user
    last = conversation.last_messages[0] if conversation.last_messages else None
    variables = end_user.variables
    return {
        "id": conversation.pk,
        "botId": conversation.bot.bot_id,
        "channel": conversation.channel,
        "threadId": conversation.thread_id,
        "lastEventOn": conversation.last_message_at,
        "lastHeardOn": conversation.last_message_at,
        "isPaused": conversation.paused,
        "pausedBy": conversation.paused_reason or None,
        "lastMessage": legacy_message(last) if last else None,
        "user": {
            "id": end_user.external_id,
            "fullName": end_user.display_name,
            "avatarUrl": variables.get("picture_url") or variables.get("profile_pic"),
            "attributes": variables,
        },
    }
