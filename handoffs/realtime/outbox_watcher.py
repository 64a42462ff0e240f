"""One outbox catch-up per process for all its agent sockets: what the channel layer dropped
(a Redis restart, a full group) still reaches every socket, a few seconds late."""

from __future__ import annotations

import asyncio
import logging

from .. import metrics
from .replay import Reader, outbox_read, read_window, send_missed

logger = logging.getLogger(__name__)

# An event's id is taken at INSERT and becomes visible at COMMIT, so a smaller id may appear
# after a bigger one. Every pass re-reads the events of this many seconds back; a transaction
# longer than this whose publish is also dropped is the one case left to the client's reconnect.
COMMIT_LAG_SECONDS = 30.0


class OutboxWatcher:
    """Every `interval` seconds, reads the new outbox events of the workspaces (and private
    events of the agents) with sockets in this process, and sends each socket what it misses.

    One read for 1,000 sockets instead of 1,000. Each event is checked once, when first read;
    a socket that joins is checked once against the whole window, since an event may have been
    read before the socket joined and dropped on its way to it.
    """

    def __init__(self, interval: float, head: int) -> None:
        self.interval = interval
        self.readers: set[Reader] = set()
        self.joined: set[Reader] = set()  # readers added since the last pass
        self.floor = head  # every pass reads the events after it
        self.known: set[int] = set()  # ids above the floor that a pass has read already
        self.marks: list[tuple[float, int]] = []  # (when, the outbox's newest id then)
        self.task: asyncio.Task | None = None

    def add(self, reader: Reader) -> None:
        self.readers.add(reader)
        self.joined.add(reader)
        if self.task is None:
            self.task = asyncio.create_task(self._run())

    def remove(self, reader: Reader) -> None:
        self.readers.discard(reader)
        self.joined.discard(reader)

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.catch_up()
            except Exception:
                logger.warning("catch-up from the outbox failed", exc_info=True)

    async def catch_up(self) -> None:
        """One pass: read the window, send what is missing, move the floor."""
        joined, self.joined = self.joined, set()
        readers = list(self.readers)
        if not readers:
            return
        workspace_ids = set().union(*(reader.workspace_ids for reader in readers))
        user_ids = {reader.user_id for reader in readers}
        head, rows = await outbox_read(read_window)(
            workspace_ids=workspace_ids, user_ids=user_ids, after=self.floor
        )
        # An event read by an earlier pass was sent then to every reader that missed it.
        missed = await send_missed(
            rows,
            lambda event_id: joined if event_id in self.known else readers,
            still_open=lambda reader: reader in self.readers,
        )
        if missed:
            metrics.EVENTS_RECOVERED.inc(missed)
        self.known.update(row[0] for row in rows)
        self._move_floor(head)

    def _move_floor(self, head: int) -> None:
        # Every id up to the outbox's newest of `COMMIT_LAG_SECONDS` ago was taken at least that
        # long ago: an event among them in a shorter transaction has committed and been read.
        now = asyncio.get_running_loop().time()
        self.marks.append((now, head))
        while self.marks and self.marks[0][0] <= now - COMMIT_LAG_SECONDS:
            self.floor = max(self.floor, self.marks.pop(0)[1])
        self.known = {event_id for event_id in self.known if event_id > self.floor}
