"""The loop of a worker process (`sweep`, `deliver`): a pass, a pause, again, until
SIGTERM or SIGINT, which ends it after the pass under way, never in the middle of one."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import close_old_connections
from django.utils import timezone

from handoffs.services.workers import worker_pass_record

logger = logging.getLogger(__name__)


class WorkerLoop:
    def __init__(self, name: str) -> None:
        self.name = name
        self.stopping = threading.Event()

    def run(self, one_pass: Callable[[], Any], *, interval: float, once: bool = False) -> None:
        # A single pass (--once, or a test calling the command from a thread) keeps the
        # signals as they are: Python lets only the main thread set them.
        loops = not once and threading.current_thread() is threading.main_thread()
        signals = (signal.SIGTERM, signal.SIGINT) if loops else ()
        previous = {sig: signal.signal(sig, self._stop) for sig in signals}
        logger.info("%s started", self.name)
        try:
            while True:
                self._timed_pass(one_pass)
                if once or self.stopping.wait(interval):
                    break
                # A long-running worker must drop broken or stale connections between passes.
                close_old_connections()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if self.stopping.is_set():
            logger.info("%s stopped after its pass", self.name)

    def _timed_pass(self, one_pass: Callable[[], Any]) -> None:
        started_at, began, ok = timezone.now(), time.monotonic(), True
        try:
            one_pass()
        except Exception:
            # One failed pass (a database restart, say) must not end the worker.
            logger.exception("%s pass failed", self.name)
            ok = False
        try:
            worker_pass_record(
                self.name, started_at=started_at, duration=time.monotonic() - began, ok=ok
            )
        except Exception:
            logger.exception("%s could not record its pass", self.name)

    def _stop(self, signum: int, frame: Any) -> None:
        self.stopping.set()
