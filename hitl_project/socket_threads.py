"""WebSockets do their Django work (sessions, presence, the outbox head) on a few long-lived
threads, not on the one thread every thread-sensitive call shares by default.

Outside a `ThreadSensitiveContext`, asgiref runs every thread-sensitive call of the process on
one thread, so the database round trips of 10,000 connecting sockets ran one after another
(about 10 ms a connect, 96 s for 10,000: bench/README.md "Sockets"). Each socket is given one of
`count` single-thread executors for its life, in turn; its own calls stay in order on that
thread, and different sockets' calls overlap.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext

Scope = dict[str, Any]


class SocketThreads:
    def __init__(self, app: Any, count: int) -> None:
        self.app = app
        self._executors = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"socket-{n}")
            for n in range(max(count, 0))
        ]
        self._next = itertools.cycle(self._executors)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "websocket" or not self._executors:
            await self.app(scope, receive, send)
            return
        async with ThreadSensitiveContext(executor=next(self._next)):
            await self.app(scope, receive, send)
