"""Ingest throughput: messages/s through the inbound endpoint, closed loop at a fixed
concurrency for a bounded time, with 1 and 2 server processes, beside the bare-stack view.

    python -m bench.ingest [--quick] [--duration 15] [--concurrency 32] [--configs ...]
"""

from __future__ import annotations

import argparse
import time
import uuid
from dataclasses import dataclass
from typing import Any

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
        Config("bare-daphne-1", "bare", "daphne", 1),
        Config("hitl-daphne-1", "hitl", "daphne", 1),
        Config("bare-daphne-2", "bare", "daphne", 2),
        Config("hitl-daphne-2", "hitl", "daphne", 2),
        Config("bare-uvicorn-1", "bare", "uvicorn", 1),
        Config("hitl-uvicorn-1", "hitl", "uvicorn", 1),
    ]
}


async def measure(
    config: Config, procs: list[Server], seed: Seed, duration: float, concurrency: int
) -> dict[str, Any]:
    run_id = uuid.uuid4().hex[:8]
    async with load.http_client(concurrency) as client:
        if config.app == "hitl":
            send = load.hitl_sender(client, procs, seed)
        else:
            send = load.bare_sender(client, procs)
        warm = await load.closed_loop(
            send, concurrency=concurrency, duration=3, prefix=f"warm-{run_id}"
        )
        if not warm.ok:
            raise RuntimeError(f"{config.name}: warm-up failed ({warm.errors} errors)")
        cpu_before = [p.cpu_seconds() for p in procs]
        client_before = time.process_time()
        result = await load.closed_loop(
            send, concurrency=concurrency, duration=duration, prefix=run_id
        )
        server_cpu = sum(
            p.cpu_seconds() - before for p, before in zip(procs, cpu_before, strict=True)
        )
    return {
        "config": config.name,
        "processes": config.processes,
        "concurrency": concurrency,
        "elapsed_s": result.elapsed,
        "ok": result.ok,
        "errors": result.errors,
        "error_kinds": dict(result.error_kinds),
        "per_second": result.throughput,
        "latency_ms": summary_ms(result.latencies),
        "server_cpu_pct": 100 * server_cpu / result.elapsed,
        "client_cpu_pct": 100 * (time.process_time() - client_before) / result.elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 s per config: a smoke run")
    parser.add_argument("--duration", type=float, default=15, help="seconds per config (15)")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (32)")
    parser.add_argument("--configs", default=",".join(CONFIGS), help=", ".join(CONFIGS))
    args = parser.parse_args()
    duration = 5 if args.quick else min(args.duration, 120)
    concurrency = min(args.concurrency, 256)
    configs = [CONFIGS[name] for name in args.configs.split(",")]

    seed = prepare(bare=any(c.app == "bare" for c in configs))
    rows = []
    for config in configs:
        with servers(config.app, config.kind, config.processes) as procs:
            rows.append(load.run(measure(config, procs, seed, duration, concurrency)))
        kinds = rows[-1]["error_kinds"]
        print(
            f"  {config.name}: {rows[-1]['per_second']:.0f} msg/s"
            + (f"  errors by kind {kinds}" if kinds else ""),
            flush=True,
        )

    by_name = {r["config"]: r for r in rows}
    for row in rows:
        bare = by_name.get(row["config"].replace("hitl-", "bare-"))
        row["vs_bare"] = ratio(row["per_second"], bare["per_second"]) if bare else float("nan")
    print_table(
        f"Ingest throughput, closed loop ({concurrency} in flight, {duration:g} s)",
        ["config", "msg/s", "ok", "err", "p50 ms", "p99 ms", "srv cpu%", "cli cpu%", "/bare"],
        [
            [
                r["config"],
                r["per_second"],
                r["ok"],
                r["errors"],
                r["latency_ms"]["p50"],
                r["latency_ms"]["p99"],
                r["server_cpu_pct"],
                r["client_cpu_pct"],
                r["vs_bare"] if r["config"].startswith("hitl-") else float("nan"),
            ]
            for r in rows
        ],
    )
    write_json("ingest", {"duration_s": duration, "concurrency": concurrency, "rows": rows})


if __name__ == "__main__":
    main()
