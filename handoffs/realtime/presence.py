"""This process's side of socket presence: it names itself, and renews the leases of its
agents' sockets while it holds any (services.agents: a lease not renewed expires, so a process
that dies leaves no agent online)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid

from channels.db import database_sync_to_async

from .. import services
from ..services.agents import SOCKET_LEASE_RENEW

logger = logging.getLogger(__name__)

# Unique among the processes of a deployment, and readable in the admin.
PROCESS = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaseKeeper:
    """One per event loop: renews while this process holds sockets, idle otherwise."""

    def __init__(self) -> None:
        self.sockets = 0
        self.task: asyncio.Task | None = None

    def opened(self) -> None:
        self.sockets += 1
        if self.task is None:
            self.task = asyncio.create_task(self._renew_forever())

    def closed(self) -> None:
        self.sockets = max(self.sockets - 1, 0)
        if not self.sockets and self.task is not None:
            self.task.cancel()
            self.task = None

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
