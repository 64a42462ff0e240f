"""Latency: an end user's message POSTed to the inbound endpoint -> `message.created` on an
agent's WebSocket, at fixed rates (open loop), beside the bare stack and the raw floor.

    python -m bench.latency [--quick] [--duration 30] [--rates 10,100,300] [--configs ...]
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import connect

from . import load
from .common import (
    Seed,
    Server,
    prepare,
    print_table,
    ratio,
    servers,
    summary_ms,
    write_json,
)


@dataclass(frozen=True)
class Config:
    name: str
    app: str
    kind: str
    processes: int


CONFIGS = {
    c.name: c
    for c in [
        Config("floor", "floor", "websockets", 1),
        Config("bare-daphne-1", "bare", "daphne", 1),
        Config("hitl-daphne-1", "hitl", "daphne", 1),
        Config("hitl-daphne-2", "hitl", "daphne", 2),
        Config("bare-uvicorn-1", "bare", "uvicorn", 1),
        Config("hitl-uvicorn-1", "hitl", "uvicorn", 1),
    ]
}


async def measure(
    config: Config,
    procs: list[Server],
    seed: Seed,
    rates: list[float],
    duration: float,
    skip_saturated: bool = True,
) -> list[dict[str, Any]]:
    """Every rate against one set of processes; the listening socket is on the first one.

    Once a rate could not be kept (messages shed or refused), higher rates only measure the
    length of the queue: they are skipped unless `skip_saturated` is false.
    """
    run_id = uuid.uuid4().hex[:8]
    rows = []
    async with load.http_client(256) as client:
        floor_socket = None
        if config.app == "hitl":
            listener = await load.Listener(load.hitl_extract).open(
                **load.hitl_socket_args(procs[0], seed)
            )
            send = load.hitl_sender(client, procs, seed)
        elif config.app == "bare":
            listener = await load.Listener(load.bare_extract).open(
                **load.bare_socket_args(procs[0])
            )
            send = load.bare_sender(client, procs)
        else:
            listener = await load.Listener(load.floor_extract).open(uri=procs[0].ws_url)
            floor_socket = await connect(procs[0].ws_url, ping_interval=None)
            send = load.floor_sender(floor_socket)
        try:
            # Warm up: every end user exists, every pool and import is warm before timing.
            warm = await load.closed_loop(
                send, concurrency=10, duration=20, prefix=f"warm-{run_id}", max_requests=load.USERS
            )
            if warm.errors or not warm.ok:
                raise RuntimeError(f"{config.name}: warm-up failed ({warm.errors} errors)")
            saturated_at = None
            for rate in sorted(rates):
                if saturated_at is not None and skip_saturated:
                    rows.append({"config": config.name, "rate": rate, "skipped": saturated_at})
                    print(f"  {config.name} @ {rate:g}/s: skipped, saturated at {saturated_at:g}/s")
                    continue
                cpu_before = [p.cpu_seconds() for p in procs]
                client_before = time.process_time()
                began = time.perf_counter()
                result = await load.paced(
                    send,
                    listener,
                    rate=rate,
                    # The floor barely varies: a shorter run leaves the time to the servers.
                    duration=min(duration, 10) if config.app == "floor" else duration,
                    prefix=f"{run_id}-{int(rate)}",
                )
                wall = time.perf_counter() - began
                server_cpu = sum(
                    p.cpu_seconds() - before for p, before in zip(procs, cpu_before, strict=True)
                )
                rows.append(
                    {
                        "config": config.name,
                        "rate": rate,
                        "scheduled": result.scheduled,
                        "sent": result.sent,
                        "accepted": result.accepted,
                        "delivered": result.delivered,
                        "lost": result.lost,
                        "errors": result.errors,
                        "error_kinds": dict(result.error_kinds),
                        "shed": result.shed,
                        "latency_ms": summary_ms(result.latencies),
                        "server_cpu_pct": 100 * server_cpu / wall,
                        "client_cpu_pct": 100 * (time.process_time() - client_before) / wall,
                        "client_send_lag_max_ms": result.send_lag_max * 1000,
                    }
                )
                print(f"  {config.name} @ {rate:g}/s: {_line(rows[-1])}", flush=True)
                if result.shed or result.errors:
                    saturated_at = rate
                await asyncio.sleep(1)
        finally:
            await listener.close()
            if floor_socket is not None:
                await floor_socket.close()
    return rows


def _line(row: dict[str, Any]) -> str:
    lat = row["latency_ms"]
    return (
        f"delivered {row['delivered']}/{row['sent']} lost {row['lost']} errors {row['errors']} "
        f"shed {row['shed']}  p50 {lat['p50']:.1f} p99 {lat['p99']:.1f} ms"
        + (f"  errors by kind {row['error_kinds']}" if row["error_kinds"] else "")
    )


def _table_row(row: dict[str, Any]) -> list[Any]:
    if "skipped" in row:
        return [row["config"], f"{row['rate']:g}", f"skipped: saturated at {row['skipped']:g}/s"]
    lat = row["latency_ms"]
    return [
        row["config"],
        f"{row['rate']:g}",
        *(row[key] for key in ("sent", "delivered", "lost", "errors", "shed")),
        *(lat[key] for key in ("p50", "p90", "p99", "max")),
        row["server_cpu_pct"],
        row["client_cpu_pct"],
    ]


def ratios(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """hitl / bare for the same server and rate (bare with one process), and hitl / floor."""
    by = {(r["config"], r["rate"]): r["latency_ms"] for r in rows if "skipped" not in r}
    table = []
    for (name, rate), lat in by.items():
        if not name.startswith("hitl-"):
            continue
        kind = name.split("-")[1]
        bare = by.get((f"bare-{kind}-1", rate))
        floor = by.get(("floor", rate))
        table.append(
            [
                name,
                rate,
                ratio(lat["p50"], bare["p50"]) if bare else float("nan"),
                ratio(lat["p99"], bare["p99"]) if bare else float("nan"),
                ratio(lat["p50"], floor["p50"]) if floor else float("nan"),
                ratio(lat["p99"], floor["p99"]) if floor else float("nan"),
            ]
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 s per rate: a smoke run")
    parser.add_argument("--duration", type=float, default=30, help="seconds per rate (30)")
    parser.add_argument("--rates", default="10,100,300", help="messages/s, comma-separated")
    parser.add_argument("--configs", default=",".join(CONFIGS), help=", ".join(CONFIGS))
    parser.add_argument(
        "--no-skip", action="store_true", help="run every rate, even above a saturated one"
    )
    args = parser.parse_args()
    duration = 5 if args.quick else min(args.duration, 120)
    rates = [float(r) for r in args.rates.split(",")]
    configs = [CONFIGS[name] for name in args.configs.split(",")]

    seed = prepare(bare=any(c.app == "bare" for c in configs))
    rows: list[dict[str, Any]] = []
    for config in configs:
        print(f"{config.name}: {config.processes} x {config.kind}", flush=True)
        with servers(config.app, config.kind, config.processes) as procs:
            rows += load.run(
                measure(config, procs, seed, rates, duration, skip_saturated=not args.no_skip)
            )

    print_table(
        f"Latency, POST -> WebSocket (ms; open loop, {duration:g} s per rate)",
        [
            "config",
            "msg/s",
            "sent",
            "deliv",
            "lost",
            "err",
            "shed",
            "p50",
            "p90",
            "p99",
            "max",
            "srv cpu%",
            "cli cpu%",
        ],
        [_table_row(r) for r in rows],
    )
    ratio_rows = ratios(rows)
    print_table(
        "Ratios (hitl / bare stack on the same server, one bare process; hitl / raw floor)",
        ["config", "msg/s", "p50/bare", "p99/bare", "p50/floor", "p99/floor"],
        ratio_rows,
    )
    write_json(
        "latency",
        {
            "duration_s": duration,
            "rates": rates,
            "rows": rows,
            "ratios": [
                dict(
                    zip(
                        ["config", "rate", "p50_bare", "p99_bare", "p50_floor", "p99_floor"],
                        r,
                        strict=True,
                    )
                )
                for r in ratio_rows
            ],
        },
    )


if __name__ == "__main__":
    main()
