"""This process's agent sockets: one channel-layer subscription per group for all of them,
and one outbox catch-up. The only state a process keeps, rebuilt by the sockets themselves."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from channels.layers import get_channel_layer

from .outbox_watcher import OutboxWatcher
from .replay import Reader, outbox_read
from .selectors import latest_event_id

logger = logging.getLogger(__name__)


class Member(Reader, Protocol):
    """A socket as the hub sees it (WorkspaceConsumer)."""

    async def deliver(self, message: dict[str, Any]) -> None: ...


class _Group:
    """One group's subscription, shared by the local sockets in it."""

    def __init__(self) -> None:
        self.members: set[Member] = set()
        self.channel = ""
        self.relay: asyncio.Task | None = None
        self.subscribed = asyncio.Event()


class SocketHub:
    """Channels gives each socket its own channel: an event for 1,000 sockets is then 1,000
    deserialisations, 1,000 task wake-ups and 1,000 dispatches, and each wake-up leaves
    objects for the garbage collector. Here one channel per group receives the event once
    and hands it to every member socket in one go.
    """

    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.groups: dict[str, _Group] = {}
        self.watcher: OutboxWatcher | None = None

    async def join(self, member: Member, names: list[str]) -> None:
        """Subscribe `member` to the groups; when this returns, their events reach it."""
        for name in names:
            while True:
                group = self.groups.get(name)
                if group is None:
                    await self._subscribe(name, member)
                    break
                group.members.add(member)
                # Another socket is subscribing this group: its events flow once it is done.
                await group.subscribed.wait()
                if self.groups.get(name) is group:
                    break
                group.members.discard(member)  # that subscription failed: try it ourselves

    async def _subscribe(self, name: str, member: Member) -> None:
        group = self.groups[name] = _Group()
        group.members.add(member)
        try:
            group.channel = await self.layer.new_channel()
            await self.layer.group_add(name, group.channel)
        except BaseException:
            del self.groups[name]
            raise
        finally:
            group.subscribed.set()
        group.relay = asyncio.create_task(self._relay(group))

    async def watch(self, reader: Reader, *, interval: float, head: int | None) -> None:
        """Catch `reader` up from the outbox every `interval` seconds. `head`, the outbox's
        newest id read after `reader` joined its groups, is read here when the caller has
        none and the process has no watcher yet (its first socket)."""
        if self.watcher is None and head is None:
            head = await outbox_read(latest_event_id)()
        if self.watcher is None:
            assert head is not None
            self.watcher = OutboxWatcher(interval, head)
        self.watcher.add(reader)

    async def leave(self, member: Member, names: list[str]) -> None:
        if self.watcher is not None:
            self.watcher.remove(member)
            if not self.watcher.readers:
                self.watcher.stop()
                self.watcher = None
        for name in names:
            group = self.groups.get(name)
            if group is None:
                continue
            group.members.discard(member)
            if not group.members and group.relay is not None:
                del self.groups[name]
                group.relay.cancel()
                await self.layer.group_discard(name, group.channel)

    async def _relay(self, group: _Group) -> None:
        while True:
            try:
                message = await self.layer.receive(group.channel)
            except Exception:
                logger.warning("receiving from the channel layer failed", exc_info=True)
                await asyncio.sleep(1)
                continue
            for member in list(group.members):
                try:
                    await member.deliver(message)
                except Exception:
                    # One broken socket must not keep the others from the event.
                    logger.warning("delivering a live event failed", exc_info=True)


_hubs: dict[asyncio.AbstractEventLoop, SocketHub] = {}


def local_hub() -> SocketHub:
    """This event loop's hub (channel layers are per loop too)."""
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs[loop] = SocketHub()
    return _hubs[loop]


async def leave(member: Member, names: list[str]) -> None:
    """Take `member` out of the groups and the catch-up; a hub without sockets is dropped, so
    an idle process keeps nothing."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        return
    await hub.leave(member, names)
    if not hub.groups and hub.watcher is None:
        _hubs.pop(loop, None)
