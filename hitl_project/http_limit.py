"""HTTP requests run Django code on a fixed set of long-lived threads, one request per thread;
the others wait in the event loop.

Under ASGI, Django gives every request a thread of its own (a `ThreadSensitiveContext` per
request), started for it and joined by yet another thread at its end: two thread starts per
request, and no limit. Past what the process can serve, a hundred threads contend for the GIL
and the database pool, every request slows down, and the queue grows faster than it drains
(bench/latency.py collapsed at 100 messages/s). Here each request borrows one of `limit`
single-thread executors for its thread-sensitive work (middlewares, view, request signals),
as a WSGI server reuses its threads; a waiting request costs nothing until its turn.
WebSockets are not counted: they live for hours.

Two lanes share the threads: bots and systems calling the API with a token, and people (pages,
the API from a page, the admin). Neither may take every thread: with four agents loading a
heavy page at once, a bot's `GET availability` still finds one free.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext

Scope = dict[str, Any]


class HttpConcurrencyLimit:
    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit
        # Each lane's share: all threads but one (all of them when there is only one).
        self.lane_limit = max(limit - 1, 1)
        self._executors = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"http-{n}")
            for n in range(max(limit, 0))
        ]
        # One queue per event loop (tests run several loops in one process), dropped with it.
        self._idle: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, asyncio.Queue[ThreadPoolExecutor]
        ] = weakref.WeakKeyDictionary()
        self._lanes: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]
        ] = weakref.WeakKeyDictionary()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.limit <= 0:
            await self.app(scope, receive, send)
            return
        lane = self._lane(scope)
        async with lane:
            idle = self._idle_executors()
            executor = await idle.get()
            try:
                # Django's own per-request context, entered inside, defers to this one.
                async with ThreadSensitiveContext(executor=executor):
                    await self.app(scope, receive, send)
            except BaseException:
                # Cancelled (the server gives up on a client gone for long), the view may
                # still run on the thread: it is handed out again only once that work is done.
                _when_idle(executor, lambda: idle.put_nowait(executor))
                raise
            idle.put_nowait(executor)

    def _lane(self, scope: Scope) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        lanes = self._lanes.get(loop)
        if lanes is None:
            lanes = self._lanes[loop] = {
                "bots": asyncio.Semaphore(self.lane_limit),
                "people": asyncio.Semaphore(self.lane_limit),
            }
        return lanes["bots" if _is_bot(scope) else "people"]

    def _idle_executors(self) -> asyncio.Queue[ThreadPoolExecutor]:
        loop = asyncio.get_running_loop()
        idle = self._idle.get(loop)
        if idle is None:
            idle = self._idle[loop] = asyncio.Queue()
            for executor in self._executors:
                idle.put_nowait(executor)
        return idle


def _is_bot(scope: Scope) -> bool:
    if not scope.get("path", "").startswith("/api/"):
        return False
    authorization = dict(scope.get("headers") or []).get(b"authorization", b"")
    return authorization[:7].lower() == b"bearer "


def _when_idle(executor: ThreadPoolExecutor, callback: Any) -> None:
    loop = asyncio.get_running_loop()

    def done(_: object) -> None:
        # A closed loop: nothing waits for this executor any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(callback)

    # Its one thread runs jobs in order: this one ends after whatever was running.
    executor.submit(lambda: None).add_done_callback(done)
