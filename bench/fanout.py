"""Fan-out: 1,000 agent WebSockets on one server process; time from creating a handoff to its
`handoff.created` at every socket, and the process's RSS. Beside it, the bare stack's one
`group_send` to as many sockets and the raw floor's Redis -> `websockets` broadcast.

    python -m bench.fanout [--quick] [--sockets 1000] [--webchat 0] [--handoffs 10] [--configs ...]

`--webchat N` (hitl only) also opens N visitors' web-chat sockets, each of its own visitor with a
conversation (so each joins its conversation's group), after the agents' sockets and before
the rounds: their connect time and CPU are reported apart, the RSS covers both kinds.

The redis-py pool pitfall (DESIGN.md): its async pool refuses past 100 connections; hitl's
layer raises `max_connections` (REDIS_MAX_CONNECTIONS, 2000) and so does the bare stack.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake

from . import load
from .common import (
    Seed,
    Server,
    percentile,
    prepare,
    print_table,
    seed_web_visitors,
    servers,
    write_json,
)


@dataclass(frozen=True)
class Config:
    name: str
    app: str
    kind: str


CONFIGS = {
    c.name: c
    for c in [
        Config("floor", "floor", "websockets"),
        Config("bare-daphne", "bare", "daphne"),
        Config("hitl-daphne", "hitl", "daphne"),
        Config("hitl-uvicorn", "hitl", "uvicorn"),
    ]
}


class Fleet:
    """Many sockets; each records when a frame carrying the current marker reached it."""

    def __init__(self, size: int, needle: str) -> None:
        self.size = size
        self.needle = needle  # a frame must also contain this (the event type)
        self.marker = ""
        self.arrivals: list[float | None] = [None] * size
        self.sockets: list[ClientConnection] = []
        self.tasks: list[asyncio.Task] = []
        self.retries = 0

    async def open(
        self,
        connect_args: dict[str, Any] | Callable[[int], dict[str, Any]],
        parallel: int = 50,
        first_frame: str | None = None,
    ) -> float:
        """Open every socket, `parallel` at a time; with `first_frame`, a socket counts as open
        once its first frame (which must contain that text) came: a server that accepts first
        and works after is timed to the end of that work."""
        gate = asyncio.Semaphore(parallel)
        args_of = connect_args if callable(connect_args) else lambda index: connect_args
        began = time.perf_counter()

        async def one(index: int) -> None:
            async with gate:
                for attempt in range(3):
                    try:
                        socket = await connect(
                            **args_of(index), open_timeout=60, ping_interval=None, max_queue=None
                        )
                        break
                    except (OSError, InvalidHandshake, TimeoutError):
                        # A busy server may drop a handshake; a socket that fails thrice fails.
                        if attempt == 2:
                            raise
                        self.retries += 1
                        await asyncio.sleep(0.5)
                if first_frame is not None:
                    frame = await socket.recv()
                    if first_frame not in frame:
                        raise RuntimeError(f"socket {index} opened with {frame[:200]!r}")
            self.sockets.append(socket)
            self.tasks.append(asyncio.create_task(self._receive(index, socket)))

        await asyncio.gather(*(one(i) for i in range(self.size)))
        return time.perf_counter() - began

    async def _receive(self, index: int, socket: ClientConnection) -> None:
        async for frame in socket:
            if (
                self.arrivals[index] is None
                and self.marker
                and self.marker in frame
                and self.needle in frame
            ):
                self.arrivals[index] = time.perf_counter()

    def expect(self, marker: str, *, reset: bool = True) -> None:
        self.marker = marker
        if reset:
            self.arrivals = [None] * self.size

    async def wait_all(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and None in self.arrivals:
            await asyncio.sleep(0.01)

    async def close(self) -> None:
        closing = [socket.close() for socket in self.sockets]
        await asyncio.wait_for(asyncio.gather(*closing, return_exceptions=True), timeout=60)
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def measure(
    config: Config,
    server: Server,
    seed: Seed,
    sockets: int,
    rounds: int,
    outbox_head: int = 0,
    visitors: list[str] | None = None,
) -> dict[str, Any]:
    run_id = uuid.uuid4().hex[:8]
    trigger_socket = None
    webchat = Fleet(len(visitors or []), "")
    webchat_s = webchat_cpu_ms = 0.0
    async with load.http_client(4) as client:
        if config.app == "hitl":
            fleet = Fleet(sockets, '"handoff.created"')
            connect_args = load.hitl_socket_args(server, seed, after=outbox_head)
            url = f"{server.url}/api/v1/bots/{seed.bot_id}/mod/hitlnext/handoffs"
            headers = {"Authorization": f"Bearer {seed.token}"}

            async def trigger(marker: str) -> None:
                body = {"userId": marker, "userChannel": "api"}
                response = await client.post(url, json=body, headers=headers)
                response.raise_for_status()

        elif config.app == "bare":
            fleet = Fleet(sockets, "")
            connect_args = load.bare_socket_args(server)

            async def trigger(marker: str) -> None:
                response = await client.post(f"{server.url}/bare/ping/", json={"text": marker})
                response.raise_for_status()

        else:
            fleet = Fleet(sockets, "")
            connect_args = {"uri": server.ws_url}
            trigger_socket = await connect(server.ws_url, ping_interval=None)
            trigger = trigger_socket.send

        rss_idle = server.rss_mb()
        cpu_before = server.cpu_seconds()
        connect_s = await fleet.open(connect_args)
        # The server's CPU a connect: steadier than seconds on a machine busy with other work.
        connect_cpu_ms = 1000 * (server.cpu_seconds() - cpu_before) / sockets
        print(
            f"  open in {connect_s:.1f} s ({connect_cpu_ms:.2f} ms of server CPU each)", flush=True
        )
        # A socket is open once accepted, but joins its group a little later (hitl accepts
        # first, then reads the database): warm events until every socket has had one.
        for attempt in range(10):
            fleet.expect(f"w{attempt}-{run_id}", reset=attempt == 0)
            await trigger(fleet.marker)
            await fleet.wait_all(10)
            if None not in fleet.arrivals:
                break
        ready = sum(a is not None for a in fleet.arrivals)
        if visitors:
            cpu_before = server.cpu_seconds()
            webchat_s = await webchat.open(
                load.webchat_socket_args(server, seed, visitors), first_frame='"history"'
            )
            webchat_cpu_ms = 1000 * (server.cpu_seconds() - cpu_before) / len(visitors)
            print(
                f"  {len(visitors)} web-chat sockets open in {webchat_s:.1f} s"
                f" ({webchat_cpu_ms:.2f} ms of server CPU each)",
                flush=True,
            )
        rss_sockets = server.rss_mb()
        # This client's own full collections walked its 10,000 sockets' objects (up to 0.4 s,
        # a `gc.callbacks` probe) and, falling inside a round, were counted as the server's
        # delay: what is open now stays out of them until the end of the rounds.
        gc.collect()
        gc.freeze()

        per_round = []
        pooled: list[float] = []
        for k in range(rounds):
            fleet.expect(f"f{k}-{run_id}")
            cpu_before = server.cpu_seconds()
            began = time.perf_counter()
            await trigger(fleet.marker)
            await fleet.wait_all(15)
            times = [a - began for a in fleet.arrivals if a is not None]
            # Steadier than the last socket's time on a machine busy with other work.
            round_cpu_ms = 1000 * (server.cpu_seconds() - cpu_before)
            pooled += times
            per_round.append(
                {
                    "received": len(times),
                    "p50_ms": 1000 * percentile(times, 50),
                    "p99_ms": 1000 * percentile(times, 99),
                    "last_ms": 1000 * max(times, default=float("nan")),
                    "cpu_ms": round_cpu_ms,
                }
            )
            await asyncio.sleep(0.5)
        rss_after = server.rss_mb()
        gc.unfreeze()
        await fleet.close()
        await webchat.close()
        if trigger_socket is not None:
            await trigger_socket.close()
    lasts = [r["last_ms"] for r in per_round]
    return {
        "config": config.name,
        "sockets": sockets,
        "webchat": len(visitors or []),
        "webchat_connect_s": webchat_s,
        "webchat_connect_cpu_ms": webchat_cpu_ms,
        "ready": ready,
        "connect_s": connect_s,
        "connect_cpu_ms": connect_cpu_ms,
        "connect_retries": fleet.retries,
        "rounds": rounds,
        "missing": sum(sockets - r["received"] for r in per_round),
        "p50_ms": 1000 * percentile(pooled, 50),
        "p99_ms": 1000 * percentile(pooled, 99),
        "last_median_ms": statistics.median(lasts),
        "last_max_ms": max(lasts),
        "round_cpu_ms": statistics.median(r["cpu_ms"] for r in per_round),
        "rss_idle_mb": rss_idle,
        "rss_sockets_mb": rss_sockets,
        "rss_after_mb": rss_after,
        "kb_per_socket": 1024 * (rss_sockets - rss_idle) / (sockets + len(visitors or [])),
        "per_round": per_round,
    }


def _outbox_head() -> int:
    """The newest event's id: agents' pages open their sockets with ?after= it."""
    from handoffs.models import Event

    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 sockets, 3 handoffs")
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--webchat", type=int, default=0, help="web-chat sockets too (hitl)")
    parser.add_argument("--handoffs", type=int, default=10, help="rounds per config")
    parser.add_argument(
        "--configs", default="floor,bare-daphne,hitl-daphne", help=", ".join(CONFIGS)
    )
    args = parser.parse_args()
    sockets = 200 if args.quick else min(args.sockets, 20_000)
    rounds = 3 if args.quick else min(args.handoffs, 100)
    configs = [CONFIGS[name] for name in args.configs.split(",")]

    seed = prepare(bare=any(c.app == "bare" for c in configs))
    visitors = seed_web_visitors(seed, min(args.webchat, 20_000))
    rows = []
    for config in configs:
        print(f"{config.name}: {sockets} sockets, {rounds} rounds", flush=True)
        with servers(config.app, config.kind, 1) as procs:
            head = _outbox_head() if config.app == "hitl" else 0
            web = visitors if config.app == "hitl" else None
            rows.append(load.run(measure(config, procs[0], seed, sockets, rounds, head, web)))
        print(f"  last socket: median {rows[-1]['last_median_ms']:.0f} ms", flush=True)

    print_table(
        "Fan-out: one event -> every socket on one process (ms from the trigger; MB)",
        [
            "config",
            "sockets",
            "ready",
            "rounds",
            "missing",
            "p50",
            "p99",
            "last med",
            "last max",
            "cpu ms/round",
            "RSS idle",
            "RSS open",
            "KB/socket",
            "connect s",
            "cpu ms/conn",
            "webchat",
            "wc connect s",
            "wc cpu ms/conn",
        ],
        [
            [
                r["config"],
                r["sockets"],
                r["ready"],
                r["rounds"],
                r["missing"],
                r["p50_ms"],
                r["p99_ms"],
                r["last_median_ms"],
                r["last_max_ms"],
                r["round_cpu_ms"],
                r["rss_idle_mb"],
                r["rss_sockets_mb"],
                r["kb_per_socket"],
                r["connect_s"],
                r["connect_cpu_ms"],
                r["webchat"],
                r["webchat_connect_s"],
                r["webchat_connect_cpu_ms"],
            ]
            for r in rows
        ],
    )
    write_json("fanout", {"rows": rows})


if __name__ == "__main__":
    main()
