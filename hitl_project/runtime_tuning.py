"""The interpreter's settings for a long-lived server process."""

from __future__ import annotations

import gc
import sys

# Seconds a thread may hold the GIL while another waits for it (Python's default: 5 ms).
SWITCH_INTERVAL = 0.001


def tune_runtime() -> None:
    """Call once everything is imported (hitl_project/serve.py does).

    What is loaded by then lives as long as the process: frozen, it is left out of the full
    garbage collections, which walked the whole startup heap, often in the middle of a fan-out.
    The young generation is collected less often than Python's default, and not so rarely that
    each collection pauses the processes of a deployment, loaded alike, at the same moments.

    A request's view runs on its own thread, while the event loop, to read the next request or
    pass an event to the sockets, waits for the GIL: a shorter switch interval shortens each
    such wait on a message's way to the agent. The figures behind each number are in
    bench/README.md ("GIL switch interval", "Young-generation GC threshold").
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 10)
    sys.setswitchinterval(SWITCH_INTERVAL)
