"""The interpreter's settings for a long-lived server process."""

from __future__ import annotations

import gc
import sys

# Seconds a thread may hold the GIL while another waits for it (Python's default: 5 ms).
SWITCH_INTERVAL = 0.001


def tune_runtime() -> None:
    """Call once everything is imported.

    What is loaded by then lives as long as the process: frozen, it is left out of the full
    garbage collections (each walked ~300k objects, 200-250 ms, often in the middle of a
    fan-out to 1,000 sockets). The young generation is collected every 10,000 allocations
    rather than 700; at 50,000 each collection paused a process for long enough, and both
    processes of bench/latency.py, loaded alike, at the same moments, that the p99 at
    100 msg/s was twice what it is at 10,000 (20 -> 10 ms), for the same throughput.

    A request's view runs on its own thread for several milliseconds of Python, while the
    event loop, to read the next request or pass an event to the sockets, waits for the GIL;
    with the default 5 ms each such wait could add 5 ms to a message's way to the agent.
    At 1 ms the messages of bench/latency.py at 100/s arrived with about half the p99, for
    no measurable loss of throughput (bench/README.md).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 10)
    sys.setswitchinterval(SWITCH_INTERVAL)
