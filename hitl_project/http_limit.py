"""At most a few HTTP requests run Django code at once in one process; the others wait in
the event loop.

Under ASGI every request to a sync view gets a thread of its own, with no limit. Past what the
process can serve, a hundred threads contend for the GIL and the database pool, every request
slows down, and the queue grows faster than it drains (bench/latency.py collapsed at 100
messages/s). A waiting request costs nothing until its turn. WebSockets are not counted: they
live for hours.
"""

from __future__ import annotations

import asyncio
from typing import Any

Scope = dict[str, Any]


class HttpConcurrencyLimit:
    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._slots: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.limit <= 0:
            await self.app(scope, receive, send)
            return
        async with self._semaphore():
            await self.app(scope, receive, send)

    def _semaphore(self) -> asyncio.Semaphore:
        # One per event loop: tests run several loops in one process.
        loop = asyncio.get_running_loop()
        semaphore = self._slots.get(loop)
        if semaphore is None:
            semaphore = self._slots[loop] = asyncio.Semaphore(self.limit)
        return semaphore
