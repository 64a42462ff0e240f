"""Our small asyncio load client: paced or closed-loop senders, and WebSocket listeners.

Every loop is bounded twice, by a count and by a deadline. Only loopback URLs are used.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from .common import Seed, Server

# Identifies what arrives on a socket: a frame -> the marker it carries, or None.
Extract = Callable[[str], "str | None"]
# Sends one marked message; returns the HTTP status (200 for a WebSocket send).
Send = Callable[[int, str], Awaitable[int]]
ACCEPTED = (200, 201)


def run(main: Coroutine[Any, Any, Any]) -> Any:
    """uvloop when installed (the `bench` extra): the client then costs the machine less."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def http_client(connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(10.0))


# --- the three targets: hitl, the bare stack, the raw floor ---------------------------------


def hitl_extract(frame: str) -> str | None:
    if '"message.created"' not in frame:
        return None
    envelope = json.loads(frame)
    if envelope.get("type") != "message.created":
        return None
    return envelope["payload"].get("text")


def bare_extract(frame: str) -> str | None:
    return json.loads(frame).get("text")


def floor_extract(frame: str) -> str | None:
    return frame


USERS = 100


def hitl_sender(client: httpx.AsyncClient, servers: list[Server], seed: Seed) -> Send:
    """POST to the inbound endpoint, round-robin over the processes (our load balancer)."""
    urls = itertools.cycle(
        [f"{s.url}/api/v1/bots/{seed.bot_id}/channels/api/messages" for s in servers]
    )
    headers = {"Authorization": f"Bearer {seed.token}"}

    async def send(seq: int, marker: str) -> int:
        body = {"userId": f"bench-user-{seq % USERS}", "text": marker}
        response = await client.post(next(urls), json=body, headers=headers)
        return response.status_code

    return send


def bare_sender(client: httpx.AsyncClient, servers: list[Server]) -> Send:
    urls = itertools.cycle([f"{s.url}/bare/ping/" for s in servers])

    async def send(seq: int, marker: str) -> int:
        response = await client.post(next(urls), json={"text": marker})
        return response.status_code

    return send


def floor_sender(socket: ClientConnection) -> Send:
    async def send(seq: int, marker: str) -> int:
        await socket.send(marker)
        return 200

    return send


def hitl_socket_args(server: Server, seed: Seed, after: int | None = None) -> dict[str, Any]:
    """An agent's socket; with `after`, as the page opens it (live.js sends the page's last
    event id)."""
    query = "" if after is None else f"?after={after}"
    return {
        "uri": f"{server.ws_url}/ws/workspace/{query}",
        "origin": server.url,
        "additional_headers": {"Cookie": f"sessionid={seed.session_key}"},
    }


def webchat_socket_args(
    server: Server, seed: Seed, tokens: list[str]
) -> Callable[[int], dict[str, Any]]:
    """The n-th visitor's web-chat socket, as the widget opens it."""

    def args(index: int) -> dict[str, Any]:
        return {
            "uri": f"{server.ws_url}/ws/chat/{seed.bot_id}/?token={tokens[index]}",
            "origin": server.url,
        }

    return args


def bare_socket_args(server: Server) -> dict[str, Any]:
    return {"uri": f"{server.ws_url}/ws/bare/", "origin": server.url}


# --- listening -----------------------------------------------------------------------------


@dataclass
class Listener:
    """One WebSocket; records when each marker first arrived (perf_counter seconds)."""

    extract: Extract
    arrivals: dict[str, float] = field(default_factory=dict)
    socket: ClientConnection | None = None
    task: asyncio.Task | None = None

    async def open(self, **connect_args: Any) -> Listener:
        self.socket = await connect(
            **connect_args, open_timeout=30, ping_interval=None, max_queue=None
        )
        self.task = asyncio.create_task(self._receive())
        return self

    async def _receive(self) -> None:
        assert self.socket is not None
        async for frame in self.socket:
            marker = self.extract(frame if isinstance(frame, str) else frame.decode())
            if marker is not None and marker not in self.arrivals:
                self.arrivals[marker] = time.perf_counter()

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)


async def wait_for(markers: list[str], listener: Listener, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(marker in listener.arrivals for marker in markers):
            return
        await asyncio.sleep(0.05)


# --- load shapes ---------------------------------------------------------------------------


async def _attempt(send: Send, seq: int, marker: str) -> int | str:
    """The HTTP status, or the name of the exception (a timeout, a refused connection)."""
    try:
        return await send(seq, marker)
    except (httpx.HTTPError, OSError) as error:
        return type(error).__name__


@dataclass
class PacedResult:
    rate: float
    scheduled: int
    sent: int = 0
    accepted: int = 0
    errors: int = 0
    error_kinds: Counter = field(default_factory=Counter)
    shed: int = 0
    delivered: int = 0
    lost: int = 0
    latencies: list[float] = field(default_factory=list)
    send_lag_max: float = 0.0


async def paced(
    send: Send,
    listener: Listener,
    *,
    rate: float,
    duration: float,
    prefix: str,
    max_inflight: int = 256,
    drain: float = 3.0,
) -> PacedResult:
    """Open loop: message i goes at t0 + i/rate whatever the replies; latency counts from then.

    Past `max_inflight` unanswered requests a message is shed (counted, not sent) so that an
    overloaded server cannot make the client grow without bound.
    """
    count = int(rate * duration)
    result = PacedResult(rate=rate, scheduled=count)
    due: dict[str, float] = {}
    accepted: list[str] = []
    inflight: set[asyncio.Task] = set()

    async def one(seq: int, marker: str) -> None:
        outcome = await _attempt(send, seq, marker)
        if outcome in ACCEPTED:
            accepted.append(marker)
        else:
            result.errors += 1
            result.error_kinds[str(outcome)] += 1

    start = time.perf_counter() + 0.05
    for seq in range(count):
        at = start + seq / rate
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            result.send_lag_max = max(result.send_lag_max, -delay)
        if len(inflight) >= max_inflight:
            result.shed += 1
            continue
        marker = f"{prefix}-{seq}"
        due[marker] = at
        task = asyncio.create_task(one(seq, marker))
        inflight.add(task)
        task.add_done_callback(inflight.discard)
        result.sent += 1
    if inflight:
        _, unanswered = await asyncio.wait(set(inflight), timeout=10)
        for task in unanswered:
            task.cancel()
        # Requests still unanswered 10 s after the last send count as errors.
        result.errors += len(unanswered)
        if unanswered:
            result.error_kinds["unanswered"] += len(unanswered)
    await wait_for(accepted, listener, drain)
    result.accepted = len(accepted)
    for marker in accepted:
        arrived = listener.arrivals.get(marker)
        if arrived is None:
            result.lost += 1
        else:
            result.delivered += 1
            result.latencies.append(arrived - due[marker])
    return result


@dataclass
class ClosedResult:
    concurrency: int
    elapsed: float = 0.0
    ok: int = 0
    errors: int = 0
    error_kinds: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0


async def closed_loop(
    send: Send,
    *,
    concurrency: int,
    duration: float,
    prefix: str,
    max_requests: int = 1_000_000,
) -> ClosedResult:
    """`concurrency` workers, each sending its next message when the last one is answered."""
    result = ClosedResult(concurrency=concurrency)
    counter = itertools.count()
    deadline = time.perf_counter() + duration

    async def worker() -> None:
        while time.perf_counter() < deadline:
            seq = next(counter)
            if seq >= max_requests:
                return
            began = time.perf_counter()
            outcome = await _attempt(send, seq, f"{prefix}-{seq}")
            if outcome in ACCEPTED:
                result.ok += 1
                result.latencies.append(time.perf_counter() - began)
            else:
                result.errors += 1
                result.error_kinds[str(outcome)] += 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - began
    return result
