"""The agents' WebSocket: translates between the socket and the event stream, nothing more."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.db import connection

from . import publisher, services
from .stream import (
    REPLAY_BATCH,
    envelopes_of,
    event_ids_after,
    latest_event_id,
    typing_target,
)

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


class RecentIds:
    """The ids of the last events sent, to drop the copy when one arrives twice."""

    def __init__(self, size: int = 5000) -> None:
        self._order: deque[int] = deque()
        self._ids: set[int] = set()
        self._size = size

    def __contains__(self, event_id: int) -> bool:
        return event_id in self._ids

    def add(self, event_id: int) -> None:
        self._order.append(event_id)
        self._ids.add(event_id)
        if len(self._order) > self._size:
            self._ids.discard(self._order.popleft())


class WorkspaceConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/workspace/?after=<event id>`: every event of the agent's workspaces, live, and the
    agent's own notifications.

    With `after`, the events the client missed are replayed from the outbox first. The groups
    are joined before the replay query, so nothing committed meanwhile is missed; live events
    are dispatched only after `connect` returns. Every few seconds the socket also catches up
    from the outbox, so an event the channel layer dropped (a Redis restart, a full group)
    still arrives. An event that comes both ways is sent once.
    """

    groups: list[str]

    async def connect(self) -> None:
        self.groups = []
        self.catching_up: asyncio.Task | None = None
        self.user = self.scope.get("user")
        if self.user is None or not self.user.is_authenticated:
            # Accept first: a close before accept is an HTTP 403 and the client never sees
            # the code.
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.workspace_ids = await database_sync_to_async(services.agent_socket_opened)(
            user=self.user
        )
        self.counted = True
        if not self.workspace_ids:
            await self.accept()
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.sent = RecentIds()
        own = publisher.agent_group(self.user.pk)
        for group in [*map(publisher.workspace_group, self.workspace_ids), own]:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups.append(group)
        after = _after(self.scope)
        if after is None:
            # Read after joining the groups and before accepting: whatever the client does
            # once connected has a later id, and arrives live or by catch-up.
            self.checked_up_to = await database_sync_to_async(latest_event_id)(
                workspace_ids=self.workspace_ids
            )
            await self.accept()
        else:
            self.checked_up_to = after
            await self.accept()
            await self._catch_up()
        interval = settings.HITL["STREAM_CATCHUP_SECONDS"]
        if interval > 0:
            self.catching_up = asyncio.create_task(self._catch_up_every(interval))

    async def _catch_up(self) -> None:
        """Send every outbox event after `checked_up_to` that this socket has not sent yet.

        Live events do not move `checked_up_to`: those a dropped publish lost stay below the
        ones that arrived after them, and only this outbox read vouches for them.
        """
        while True:
            ids = await outbox_read(event_ids_after)(
                workspace_ids=self.workspace_ids, after=self.checked_up_to, user_id=self.user.pk
            )
            missing = [event_id for event_id in ids if event_id not in self.sent]
            if missing:
                for envelope in await outbox_read(envelopes_of)(ids=missing):
                    await self._send_event(envelope)
            if ids:
                self.checked_up_to = ids[-1]
            if len(ids) < REPLAY_BATCH:
                return

    async def _catch_up_every(self, interval: float) -> None:
        # Sockets opened together must not read the outbox in waves: start at a random offset.
        await asyncio.sleep(random.uniform(0, interval))
        while True:
            try:
                await self._catch_up()
            except Exception:
                logger.warning("catch-up from the outbox failed", exc_info=True)
            await asyncio.sleep(interval)

    async def _send_event(self, envelope: dict[str, Any]) -> None:
        if envelope["id"] in self.sent:
            return
        self.sent.add(envelope["id"])
        await self.send_json(envelope)

    async def event_message(self, message: dict[str, Any]) -> None:
        await self._send_event(message["event"])

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
        if self.catching_up is not None:
            self.catching_up.cancel()
        for group in self.groups:
            await self.channel_layer.group_discard(group, self.channel_name)
        if getattr(self, "counted", False):
            await database_sync_to_async(services.agent_socket_closed)(user=self.user)


def outbox_read(function: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """Run a read-only outbox query off the event loop, in parallel with other sockets' reads.

    database_sync_to_async is thread-sensitive: a thousand sockets' catch-ups would queue on
    one thread. These reads share no state, so they use the thread pool, and close their
    connection so a pool thread never holds one.
    """

    def read(**kwargs: Any) -> Any:
        try:
            return function(**kwargs)
        finally:
            connection.close()

    return sync_to_async(read, thread_sensitive=False)


def _after(scope: dict[str, Any]) -> int | None:
    values = parse_qs(scope.get("query_string", b"").decode()).get("after")
    if not values:
        return None
    try:
        return max(int(values[0]), 0)
    except ValueError:
        return 0
