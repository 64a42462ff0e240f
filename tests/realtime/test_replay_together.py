"""Sockets that connect at the same moment have their `?after=` replays read together: one
read of the outbox for the batch, and each socket still gets exactly what it missed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest
from channels.db import database_sync_to_async as db

from handoffs.models import Event
from handoffs.realtime import replay
from handoffs.realtime.consumers import WorkspaceConsumer
from tests.factories import MembershipFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass(eq=False)
class Socket:
    """A reader that keeps what it is sent, with WorkspaceConsumer's own rule of what it
    misses."""

    workspace_ids: frozenset[int]
    user_id: int
    after: int
    received: list[int] = field(default_factory=list)
    sent: set[int] = field(default_factory=set)

    misses = WorkspaceConsumer.misses

    async def send_event(self, event_id: int, text: str) -> None:
        self.sent.add(event_id)
        self.received.append(event_id)


def outbox():
    first, second = WorkspaceFactory(), WorkspaceFactory()
    ann, bob = MembershipFactory(workspace=first).user, MembershipFactory(workspace=second).user
    ids = []
    for workspace, recipient in [
        (first, None),
        (second, None),
        (first, ann.pk),
        (first, bob.pk),
        (second, bob.pk),
        (first, None),
    ]:
        event = Event.objects.create(
            workspace=workspace, type="note.created", resource="note", recipient_id=recipient
        )
        ids.append(event.pk)
    return first.pk, second.pk, ann.pk, bob.pk, ids


async def test_sockets_connecting_together_share_one_read_and_get_their_own(monkeypatch):
    first, second, ann, bob, ids = await db(outbox)()
    reads = []
    original = replay.visible_events_after
    monkeypatch.setattr(
        replay, "visible_events_after", lambda **kw: reads.append(kw) or original(**kw)
    )
    sockets = [
        Socket(frozenset({first}), ann, after=0),
        Socket(frozenset({first}), ann, after=ids[2]),
        Socket(frozenset({second}), bob, after=0),
        Socket(frozenset({first, second}), bob, after=ids[0]),
    ]

    await asyncio.gather(*(replay.replay_after(s, after=s.after) for s in sockets))

    assert len(reads) == 1
    assert [s.received for s in sockets] == [
        [ids[0], ids[2], ids[5]],
        [ids[5]],
        [ids[1], ids[4]],
        [ids[1], ids[3], ids[4], ids[5]],
    ]


async def test_a_socket_that_closes_while_it_waits_is_not_sent_to(monkeypatch):
    first, _, ann, _, ids = await db(outbox)()
    gate = asyncio.Event()
    original = replay.visible_events_after

    def slow_read(**kwargs):
        asyncio.run_coroutine_threadsafe(gate.wait(), loop).result(timeout=5)
        return original(**kwargs)

    loop = asyncio.get_running_loop()
    monkeypatch.setattr(replay, "visible_events_after", slow_read)
    staying, leaving = Socket(frozenset({first}), ann, 0), Socket(frozenset({first}), ann, 0)
    waiting = asyncio.create_task(replay.replay_after(leaving, after=0))
    kept = asyncio.create_task(replay.replay_after(staying, after=0))
    await asyncio.sleep(0)
    waiting.cancel()
    gate.set()
    await kept

    assert staying.received == [ids[0], ids[2], ids[5]]
    assert leaving.received == []
    assert waiting.cancelled()


async def test_a_failed_read_fails_every_waiting_connect_and_the_next_one_reads_again(
    monkeypatch,
):
    first, _, ann, _, ids = await db(outbox)()
    original = replay.visible_events_after
    calls = []

    def failing_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return original(**kwargs)

    monkeypatch.setattr(replay, "visible_events_after", failing_once)
    sockets = [Socket(frozenset({first}), ann, 0) for _ in range(2)]

    results = await asyncio.gather(
        *(replay.replay_after(s, after=0) for s in sockets), return_exceptions=True
    )
    assert [type(r) for r in results] == [replay.ReplayFailed, replay.ReplayFailed]
    assert results[0] is not results[1]
    assert all(isinstance(r.__cause__, RuntimeError) for r in results)

    await replay.replay_after(sockets[0], after=0)
    assert sockets[0].received == [ids[0], ids[2], ids[5]]


async def test_a_socket_far_behind_goes_on_alone_and_the_others_get_theirs(monkeypatch):
    first, second, ann, bob, ids = await db(outbox)()
    monkeypatch.setattr(replay, "REPLAY_BATCH", 2)
    reads = []
    original = replay.visible_events_after
    monkeypatch.setattr(
        replay, "visible_events_after", lambda **kw: reads.append(kw) or original(**kw)
    )
    behind = Socket(frozenset({first, second}), bob, after=0)
    recent = Socket(frozenset({first}), ann, after=ids[4])

    await asyncio.gather(*(replay.replay_after(s, after=s.after) for s in (behind, recent)))

    assert behind.received == [ids[0], ids[1], ids[3], ids[4], ids[5]]
    assert recent.received == [ids[5]]
    # One page together, then each goes on by itself from the page's end.
    assert reads[0]["after"] == 0 and reads[0]["limit"] == 2
    assert {r["after"] for r in reads[1:]} >= {ids[1], ids[4]}
