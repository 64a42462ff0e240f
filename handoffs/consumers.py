"""The agents' WebSocket: translates between the socket and the event stream, nothing more."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from . import publisher, services
from .stream import REPLAY_BATCH, events_after, typing_target

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


class WorkspaceConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/workspace/?after=<event id>`: every event of the agent's workspaces, live.

    With `after`, the events the client missed are replayed from the outbox first. The groups
    are joined before the replay query, so nothing committed meanwhile is missed; live events
    are dispatched only after `connect` returns, and those the replay already sent are skipped.
    """

    groups: list[str]

    async def connect(self) -> None:
        self.groups = []
        self.user = self.scope.get("user")
        # Accept first: a close before accept is an HTTP 403 and the client never sees the code.
        await self.accept()
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.workspace_ids = await database_sync_to_async(services.agent_socket_opened)(
            user=self.user
        )
        self.counted = True
        if not self.workspace_ids:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.replayed: set[int] = set()
        self.replayed_up_to = 0
        after = _after(self.scope)
        for workspace_id in self.workspace_ids:
            group = publisher.workspace_group(workspace_id)
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups.append(group)
        if after is not None:
            await self._replay(after)

    async def _replay(self, after: int) -> None:
        while True:
            batch = await database_sync_to_async(events_after)(
                workspace_ids=self.workspace_ids, after=after
            )
            for envelope in batch:
                await self.send_json(envelope)
                self.replayed.add(envelope["id"])
            if len(batch) < REPLAY_BATCH:
                break
            after = batch[-1]["id"]
        self.replayed_up_to = max(self.replayed, default=0)

    async def event_message(self, message: dict[str, Any]) -> None:
        envelope = message["event"]
        if self.replayed:
            if envelope["id"] in self.replayed:
                return
            if envelope["id"] > self.replayed_up_to:
                # Caught up with the live stream: the replayed ids are no longer needed.
                self.replayed.clear()
        await self.send_json(envelope)

    async def ephemeral_message(self, message: dict[str, Any]) -> None:
        await self.send_json(message["data"])

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self.send_json({"type": "error", "message": "Send JSON objects."})
            return
        kind = content.get("type")
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "activity":
            await database_sync_to_async(services.agent_touch)(user=self.user)
        elif kind == "typing":
            await self._typing(content)
        else:
            await self.send_json({"type": "error", "message": f"Unknown message type {kind!r}."})

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            await super().receive(text_data=text_data, bytes_data=bytes_data)
        except ValueError:
            await self.send_json({"type": "error", "message": "Malformed JSON."})

    async def _typing(self, content: dict[str, Any]) -> None:
        target = await database_sync_to_async(typing_target)(
            user=self.user,
            workspace_ids=self.workspace_ids,
            conversation_id=content.get("conversationId"),
        )
        if target is None:
            await self.send_json({"type": "error", "message": "Unknown conversation."})
            return
        await publisher.publish_typing(**target, typing=bool(content.get("typing", True)))

    async def disconnect(self, code: int) -> None:
        for group in self.groups:
            await self.channel_layer.group_discard(group, self.channel_name)
        if getattr(self, "counted", False):
            await database_sync_to_async(services.agent_socket_closed)(user=self.user)


def _after(scope: dict[str, Any]) -> int | None:
    values = parse_qs(scope.get("query_string", b"").decode()).get("after")
    if not values:
        return None
    try:
        return max(int(values[0]), 0)
    except ValueError:
        return 0
