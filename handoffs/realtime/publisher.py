"""Sends committed outbox events to the channel layer; the Event row stays the truth."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from .. import metrics, outbound
from ..models import Event

logger = logging.getLogger(__name__)

GROUP_HANDLER = "event.message"
EPHEMERAL_HANDLER = "ephemeral.message"
ACCESS_HANDLER = "access.changed"
# The outbox event of the same news, private to the agent (services.agent_access_revoked).
ACCESS_EVENT = "access.changed"
MESSAGE_CREATED = "message.created"
# The built-in web chat's channel (channels_adapters.web), whose visitors have sockets.
WEB_CHAT_CHANNEL = "web"


def workspace_group(workspace_id: int) -> str:
    return f"workspace-{workspace_id}"


def enduser_group(conversation_id: int) -> str:
    return f"enduser-{conversation_id}"


def agent_group(user_id: int) -> str:
    """One agent's sockets, whatever their workspaces: private events such as notifications."""
    return f"agent-{user_id}"


def groups_for(event: Event) -> list[str]:
    if event.recipient_id is not None:
        return [agent_group(event.recipient_id)]
    groups = [workspace_group(event.workspace_id)]
    if event.conversation_id is not None and _for_web_chat(event):
        groups.append(enduser_group(event.conversation_id))
    return groups


def _for_web_chat(event: Event) -> bool:
    """The `enduser-<conversation>` group's only listener is the web chat's socket, which relays
    a message of its own conversation and nothing else: any other event sent there is a Redis
    PUBLISH for nobody (one of the ingest's two, for every message of another channel)."""
    return event.type == MESSAGE_CREATED and event.payload.get("channel") == WEB_CHAT_CHANNEL


def dispatch(event: Event) -> None:
    """Run after commit: realtime fan-out, then in-process listeners (the demo bot)."""
    publish(event)
    outbound.notify_listeners(event)


def publish(event: Event) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    # One hop to the event loop for all groups: each async_to_sync costs a thread switch.
    try:
        async_to_sync(_send_to_groups)(layer, event.id, groups_for(event), event.envelope())
    except Exception:
        # A missed publish is recovered from the outbox; never fail the request that committed.
        metrics.PUBLISH_FAILURES.inc()
        logger.exception("publishing event %s failed", event.id)
        return
    metrics.EVENTS_PUBLISHED.labels(event.type).inc()
    metrics.PUBLISH_LAG.observe((timezone.now() - event.created_at).total_seconds())


async def _send_to_groups(
    layer: Any, event_id: int, groups: list[str], envelope: dict[str, Any]
) -> None:
    # Encoded once here, not once per socket: each consumer sends this text as it is, and
    # drops an event it sent already by the id.
    message = {"type": GROUP_HANDLER, "id": event_id, "text": json.dumps(envelope)}
    results = await asyncio.gather(
        *(layer.group_send(group, message) for group in groups), return_exceptions=True
    )
    for group, result in zip(groups, results, strict=True):
        if isinstance(result, Exception):
            # A missed publish is recovered by replay from the outbox; never fail the request.
            metrics.PUBLISH_FAILURES.inc()
            logger.error("publishing event %s to %s failed", event_id, group, exc_info=result)


async def publish_typing(
    *, workspace_id: int, conversation_id: int, agent: dict[str, Any], typing: bool
) -> None:
    """Typing indicators are ephemeral: never stored, lost without harm."""
    layer = get_channel_layer()
    data = {"type": "typing", "conversationId": conversation_id, "agent": agent, "typing": typing}
    message = {"type": EPHEMERAL_HANDLER, "data": data}
    for group in (workspace_group(workspace_id), enduser_group(conversation_id)):
        try:
            await layer.group_send(group, message)
        except Exception:
            logger.warning("typing indicator to %s dropped", group, exc_info=True)


def session_ended(user_id: int, session_key: str) -> None:
    """A logout: the sockets of that session close; the agent's other sessions keep theirs.
    Not in the outbox either: the sockets' periodic session check (presence.py) catches a
    dropped one."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": ACCESS_HANDLER, "session": session_key}
    try:
        async_to_sync(layer.group_send)(agent_group(user_id), message)
    except Exception:
        logger.exception("telling agent %s's sockets of a logout failed", user_id)


def access_changed(user_id: int) -> None:
    """Tell an agent's sockets that a whole workspace of theirs is gone, when no outbox event
    can name it: they close, and the page reconnects to what is left. Run after commit."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(agent_group(user_id), {"type": ACCESS_HANDLER})
    except Exception:
        # Not in the outbox: a socket that missed it keeps its workspaces until it reconnects.
        logger.exception("telling agent %s's sockets of their access failed", user_id)
