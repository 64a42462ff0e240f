"""Sending sockets what they missed from the outbox: once, for a reconnect's `?after=` and for
the process's periodic catch-up alike."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable
from datetime import timedelta
from typing import Any, Protocol

from asgiref.sync import sync_to_async
from django.db import connection

from .selectors import REPLAY_BATCH, envelopes_of, latest_event_id, visible_events_after

logger = logging.getLogger(__name__)

Row = tuple[int, int, int | None]  # (event id, workspace id, recipient id)

# How far back a reconnect's `?after=` is answered in full: the prune keeps every outbox event
# younger than this, whatever RETENTION_EVENT_DAYS says, so an agent's laptop asleep over a long
# weekend still catches up on wake. Older, a replay starts at the oldest event kept.
REPLAY_WINDOW = timedelta(days=7)


class Reader(Protocol):
    """A socket as replay sees it (WorkspaceConsumer)."""

    workspace_ids: Collection[int]
    user_id: int

    def misses(self, event_id: int, workspace_id: int, recipient_id: int | None) -> bool: ...

    async def send_event(self, event_id: int, text: str) -> None: ...


def outbox_read(function: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """Run a read-only outbox query off the event loop, in parallel with other sockets' reads.

    database_sync_to_async is thread-sensitive: sockets' replays would queue on one thread.
    These reads share no state, so they use the thread pool, and close their connection so a
    pool thread never holds one.
    """

    def read(**kwargs: Any) -> Any:
        try:
            return function(**kwargs)
        finally:
            connection.close()

    return sync_to_async(read, thread_sensitive=False)


def read_window(
    *, workspace_ids: Iterable[int], user_ids: Iterable[int], after: int
) -> tuple[int, list[Row]]:
    """The outbox's newest id (read first), then every event after `after` that these agents
    may see, oldest first, read in batches."""
    head = latest_event_id()
    rows: list[Row] = []
    while True:
        page = visible_events_after(
            workspace_ids=workspace_ids, user_ids=user_ids, after=after, limit=REPLAY_BATCH
        )
        rows += page
        if len(page) < REPLAY_BATCH:
            return head, rows
        after = page[-1][0]


async def send_missed(
    rows: list[Row],
    candidates: Callable[[int], Iterable[Reader]],
    still_open: Callable[[Reader], bool] = lambda reader: True,
) -> int:
    """Send each event of `rows` to those of its `candidates(event id)` that miss it: each
    event's JSON is read and encoded once, whatever the number of sockets. A socket that
    `still_open` says has gone since is skipped. Returns how many events were missed."""
    missing: dict[int, list[Reader]] = {}
    for event_id, workspace_id, recipient_id in rows:
        readers = candidates(event_id)
        targets = [r for r in readers if r.misses(event_id, workspace_id, recipient_id)]
        if targets:
            missing[event_id] = targets
    if not missing:
        return 0
    for envelope in await outbox_read(envelopes_of)(ids=list(missing)):
        text = json.dumps(envelope)
        for reader in missing[envelope["id"]]:
            if not still_open(reader):
                continue
            try:
                await reader.send_event(envelope["id"], text)
            except Exception:
                # A socket closing meanwhile must not keep the others from their events.
                logger.warning("replay could not send event %s", envelope["id"], exc_info=True)
    return len(missing)


async def replay_after(reader: Reader, *, after: int) -> None:
    """A reconnecting socket's `?after=`: everything since that it may see and has not had,
    however far back it is. Returns once it is sent."""
    loop = asyncio.get_running_loop()
    queue = _queues.get(loop)
    if queue is None:
        queue = _queues[loop] = _ReplayQueue()
    rest = await queue.replay(reader, after)
    if rest is not None:
        await _replay_alone(reader, after=max(after, rest))


class ReplayFailed(Exception):
    """The outbox read of a batch of replays failed (its cause): each waiting socket gets its
    own exception, not one object raised in many tasks."""


Waiting = tuple[Reader, int, "asyncio.Future[int | None]"]


class _ReplayQueue:
    """The replays of the sockets that connect at the same moment (every agent's page after a
    deploy), read from the outbox together: one trip to a thread and one query for all of them,
    not one each (bench/README.md, "10,000 sockets"). A socket asks only after it joined its
    groups, and the read of its batch starts after that, as a replay of its own would.

    A batch reads one page (REPLAY_BATCH events, the same bound as a socket's own replay):
    a socket that missed more goes on from there by itself, so one far-behind socket (or
    `?after=0`) costs its own reads, as before, not every socket's of its batch."""

    def __init__(self) -> None:
        self.waiting: list[Waiting] = []
        self.running: asyncio.Task | None = None

    async def replay(self, reader: Reader, after: int) -> int | None:
        """Sends the batch's page; returns the id to go on from if the page did not reach
        the end of the outbox, else None."""
        done: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self.waiting.append((reader, after, done))
        if self.running is None:
            self.running = asyncio.create_task(self._run())
        return await done

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.waiting:
                batch, self.waiting = self.waiting, []
                try:
                    rest = await _replay_together(batch)
                except Exception as error:
                    for _, _, done in batch:
                        if not done.done():
                            failed = ReplayFailed("the replay's outbox read failed")
                            failed.__cause__ = error
                            done.set_exception(failed)
                except BaseException:
                    for _, _, done in batch:
                        done.cancel()
                    raise
                else:
                    for _, _, done in batch:
                        if not done.done():
                            done.set_result(rest)
        finally:
            # Cancelled (the process stops): nobody is left waiting for a batch never read.
            for _, _, done in self.waiting:
                done.cancel()
            self.waiting = []
            self.running = None
            if _queues.get(loop) is self:
                del _queues[loop]  # an idle process keeps nothing


async def _replay_together(batch: list[Waiting]) -> int | None:
    """One page for the whole batch; returns the id after which some may have missed more."""
    readers = [reader for reader, _, _ in batch]
    rows = await outbox_read(visible_events_after)(
        workspace_ids=set().union(*(reader.workspace_ids for reader in readers)),
        user_ids={reader.user_id for reader in readers},
        after=min(after for _, after, _ in batch),
        limit=REPLAY_BATCH,
    )
    by_workspace: dict[int, list[Reader]] = {}
    for reader in readers:
        for workspace_id in reader.workspace_ids:
            by_workspace.setdefault(workspace_id, []).append(reader)
    workspace_of = {event_id: workspace_id for event_id, workspace_id, _ in rows}
    waits = {id(reader): done for reader, _, done in batch}
    # Each reader's `misses` keeps what is its own: its `after`, its recipient, not yet sent.
    await send_missed(
        rows,
        lambda event_id: by_workspace.get(workspace_of[event_id], ()),
        # A socket that closed while it waited (its connect was cancelled) is not sent to.
        still_open=lambda reader: not waits[id(reader)].cancelled(),
    )
    return rows[-1][0] if len(rows) == REPLAY_BATCH else None


async def _replay_alone(reader: Reader, *, after: int) -> None:
    """One socket's replay, a page at a time."""
    while True:
        rows = await outbox_read(visible_events_after)(
            workspace_ids=reader.workspace_ids,
            user_ids=[reader.user_id],
            after=after,
            limit=REPLAY_BATCH,
        )
        await send_missed(rows, lambda event_id: [reader])
        if len(rows) < REPLAY_BATCH:
            return
        after = rows[-1][0]


_queues: dict[asyncio.AbstractEventLoop, _ReplayQueue] = {}
