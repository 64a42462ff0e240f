"""The agents' WebSocket: translates between the socket and the event stream, nothing more."""

from __future__ import annotations

import json
import logging
from collections import deque
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from agents import two_factor
from agents.json_input import loads_safely

from .. import metrics, services
from . import presence, publisher, socket_hub
from .replay import outbox_read, replay_after
from .selectors import latest_event_id, typing_target

logger = logging.getLogger(__name__)

# Daphne refuses to send a frame over 1 MiB (and closes the socket with 1011): an event longer
# than this many characters, which may be 4 bytes each, goes as a stub (stub_of).
MAX_FRAME_CHARS = 256 * 1024
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
# The agent's access changed (removed from a workspace, account deactivated): the page
# reconnects, and then follows what it may still see, or is refused.
CLOSE_ACCESS_CHANGED = 4409


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


class OwnConnectionChecks:
    """For a consumer whose every database call is a `database_sync_to_async`, which closes
    stale connections before and after itself: Channels' `dispatch` also sends every frame
    (connect, each ping) to a database thread first to close them, a trip for nothing."""

    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)


class WorkspaceConsumer(OwnConnectionChecks, AsyncJsonWebsocketConsumer):
    """`/ws/workspace/?after=<event id>`: every event of the agent's workspaces, live, and the
    agent's own notifications.

    With `after`, the events the client missed are replayed from the outbox first. The groups
    are joined before the replay query, so nothing committed meanwhile is missed; live events
    are sent only after the replay. Every few seconds the process's outbox watcher also catches
    its sockets up, so an event the channel layer dropped (a Redis restart, a full group) still
    arrives, even one committed after a bigger id. An event that comes both ways is sent once.
    """

    # No channel of its own: the process's SocketHub receives each group's events once for all
    # its sockets and calls `deliver`.
    channel_layer_alias = None

    async def connect(self) -> None:
        self.stream_groups: list[str] = []
        self.user = self.scope.get("user")
        session = self.scope.get("session")
        opened = await database_sync_to_async(_socket_opened)(user=self.user, session=session)
        if opened is None:
            # Accept first: a close before accept is an HTTP 403 and the client never sees
            # the code.
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.lease_id, workspace_ids = opened
        self.session_key = session.session_key if session is not None else None
        self.user_id = self.user.pk
        presence.local_keeper().opened(self)
        self.workspace_ids = frozenset(workspace_ids)
        if not self.workspace_ids:
            await self.accept()
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.sent = RecentIds()
        # Live events that arrive before the socket is accepted and replayed wait here.
        self.held: list[dict[str, Any]] | None = []
        hub = socket_hub.local_hub()
        self.stream_groups = [
            *map(publisher.workspace_group, sorted(self.workspace_ids)),
            publisher.agent_group(self.user_id),
        ]
        await hub.join(self, self.stream_groups)
        try:
            await self._start(hub)
        except BaseException:
            await socket_hub.leave(self, self.stream_groups)
            raise

    async def _start(self, hub: socket_hub.SocketHub) -> None:
        # Read after joining the groups and before accepting: whatever is written later has a
        # bigger id, and arrives live or by the watcher. A page's socket (live.js always sends
        # ?after=) needs no head: its replay reads the outbox anyway.
        after = _after(self.scope)
        head: int | None = None
        if after is None:
            head = await outbox_read(latest_event_id)()
        await self.accept()
        metrics.SOCKETS.labels("workspace").inc()
        self.counted = True
        if after is None:
            self.after: int = head or 0
        else:
            self.after = after
            await replay_after(self, after=after)
        held, self.held = self.held, None
        # connect() set the list, and only this line ends the holding.
        assert held is not None
        for message in held:
            await self.deliver(message)
        interval = settings.HITL["STREAM_CATCHUP_SECONDS"]
        if interval > 0:
            await hub.watch(self, interval=interval, head=head)

    async def deliver(self, message: dict[str, Any]) -> None:
        """A live message of the socket's groups, from the hub."""
        if message["type"] == publisher.GROUP_HANDLER:
            if self.held is not None:
                self.held.append(message)
            else:
                await self.send_event(message["id"], message["text"])
        elif message["type"] == publisher.ACCESS_HANDLER:
            ended = message.get("session")
            if ended is None:
                await self.close(code=CLOSE_ACCESS_CHANGED)
            elif ended == self.session_key:
                await self.session_ended()
        elif message["type"] == publisher.EPHEMERAL_HANDLER and self.held is None:
            # Typing indicators are ephemeral: one before the socket is ready is dropped.
            await self.send_json(message["data"])

    async def session_ended(self) -> None:
        """Logged out (here, or its session expired or its password changed elsewhere)."""
        await self.close(code=CLOSE_UNAUTHENTICATED)

    def misses(self, event_id: int, workspace_id: int, recipient_id: int | None) -> bool:
        """Whether an outbox event is for this socket and has not been sent on it."""
        return (
            event_id > self.after
            and workspace_id in self.workspace_ids
            and recipient_id in (None, self.user_id)
            and event_id not in self.sent
        )

    async def send_event(self, event_id: int, text: str) -> None:
        """Send an event's JSON text, once: it may come live, by replay and by the watcher."""
        if event_id in self.sent:
            return
        self.sent.add(event_id)
        await self.send(text_data=text if len(text) <= MAX_FRAME_CHARS else stub_of(text))
        # Sent first, so the page's next ?after= is past it and a reconnect (even to a workspace
        # the agent was added back to) does not replay it. The cheap test first.
        if publisher.ACCESS_EVENT in text and json.loads(text)["type"] == publisher.ACCESS_EVENT:
            await self.close(code=CLOSE_ACCESS_CHANGED)

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

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        # Deep nesting is an error frame like any malformed JSON, not a socket closed with 1011.
        return loads_safely(text_data)

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
        if getattr(self, "counted", False):
            metrics.SOCKETS.labels("workspace").dec()
        await socket_hub.leave(self, self.stream_groups)
        if getattr(self, "lease_id", None) is not None:
            presence.local_keeper().closed(self)
            await database_sync_to_async(services.agent_socket_closed)(
                user=self.user, lease_id=self.lease_id
            )


def _socket_opened(*, user: Any, session: Any) -> tuple[int, list[int]] | None:
    """The socket's lease and workspaces, in one trip to the database thread; None for no
    user signed in, or a session that has not passed two-factor sign-in yet. The scope's user
    is lazy (hitl_project.socket_auth): this reads it."""
    if user is None or not user.is_authenticated:
        return None
    if two_factor.session_pending_step(user=user, session=session) is not None:
        return None
    return services.agent_socket_opened(user=user, process=presence.PROCESS)


def stub_of(text: str) -> str:
    """What goes on the socket for an event too big for a frame: its head, which the page
    completes from `/workspace/events/<id>/`."""
    envelope = json.loads(text)
    head = {key: envelope.get(key) for key in ("id", "type", "botId", "resource", "createdAt")}
    return json.dumps({**head, "truncated": True})


def _after(scope: dict[str, Any]) -> int | None:
    values = parse_qs(scope.get("query_string", b"").decode()).get("after")
    if not values:
        return None
    try:
        return max(int(values[0]), 0)
    except ValueError:
        return 0
