"""This process's side of socket presence: it names itself, renews the leases of its agents'
sockets while it holds any (services.agents: a lease not renewed expires, so a process that
dies leaves no agent online), and checks now and then that each socket's session still logs
its agent in (a logout or a password change whose news the channel layer dropped, an expired
session): a socket never outlives its session by more than SESSION_RECHECK_SECONDS."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from typing import Protocol

from channels.db import database_sync_to_async
from django.conf import settings

from agents.selectors import sessions_ended

from .. import services
from ..services.agents import SOCKET_LEASE_RENEW

logger = logging.getLogger(__name__)

# Unique among the processes of a deployment, and readable in the admin.
PROCESS = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class AgentSocket(Protocol):
    session_key: str | None
    user_id: int

    async def session_ended(self) -> None: ...


class LeaseKeeper:
    """One per event loop: renews and checks while this process holds sockets, idle
    otherwise."""

    def __init__(self) -> None:
        self.sockets: set[AgentSocket] = set()
        self.tasks: list[asyncio.Task] = []

    def opened(self, agent: AgentSocket) -> None:
        self.sockets.add(agent)
        if not self.tasks:
            self.tasks = [
                asyncio.create_task(self._renew_forever()),
                asyncio.create_task(self._check_sessions_forever()),
            ]

    def closed(self, agent: AgentSocket) -> None:
        self.sockets.discard(agent)
        if not self.sockets:
            for task in self.tasks:
                task.cancel()
            self.tasks = []

    async def _check_sessions_forever(self) -> None:
        while True:
            await asyncio.sleep(settings.HITL["SESSION_RECHECK_SECONDS"])
            held = [agent for agent in self.sockets if agent.session_key is not None]
            try:
                ended = await database_sync_to_async(sessions_ended)(
                    sessions=[(agent.session_key, agent.user_id) for agent in held]
                )
            except Exception:
                logger.warning("checking the sockets' sessions failed", exc_info=True)
                continue
            for agent in held:
                if agent.session_key in ended:
                    await agent.session_ended()

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(SOCKET_LEASE_RENEW.total_seconds())
            try:
                await database_sync_to_async(services.socket_leases_renew)(process=PROCESS)
            except Exception:
                # Missed renewals only end in the agents going offline after the TTL.
                logger.warning("renewing this process's socket leases failed", exc_info=True)


_keepers: dict[asyncio.AbstractEventLoop, LeaseKeeper] = {}


def local_keeper() -> LeaseKeeper:
    loop = asyncio.get_running_loop()
    if loop not in _keepers:
        _keepers[loop] = LeaseKeeper()
    return _keepers[loop]
