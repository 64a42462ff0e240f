"""One outbox catch-up per process: what the channel layer dropped reaches every local socket
that should have it, once, and nobody else."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async as db

from handoffs import services
from handoffs.models import Event, Notification
from handoffs.realtime import outbox_watcher, publisher, replay, socket_hub
from handoffs.realtime import selectors as realtime_selectors
from handoffs.realtime.outbox_watcher import OutboxWatcher
from tests.factories import BotFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

INTERVAL = 0.05


@pytest.fixture
def scene(db, settings):
    settings.HITL = {**settings.HITL, "STREAM_CATCHUP_SECONDS": INTERVAL}
    bot = BotFactory()
    alice = MembershipFactory(workspace=bot.workspace).user
    bob = MembershipFactory(workspace=bot.workspace).user
    stranger = MembershipFactory().user
    return bot, alice, bob, stranger


@pytest.fixture
def dropped(monkeypatch):
    """The channel layer loses every live publish, as when Redis restarts."""
    monkeypatch.setattr(publisher, "publish", lambda event: None)


def write_messages(bot, count: int) -> list[int]:
    for n in range(count):
        services.message_ingest(bot=bot, channel="web", user_id="u1", text=f"m{n}")
    return list(Event.objects.order_by("id").values_list("id", flat=True))[-count:]


async def receive_ids(communicator, count: int) -> list[int]:
    return [(await communicator.receive_json_from(timeout=3))["id"] for _ in range(count)]


async def test_a_dropped_event_reaches_every_local_socket_once(connect, scene, dropped):
    bot, alice, bob, _ = scene
    sockets = [await connect(alice), await connect(alice), await connect(bob)]

    ids = await db(write_messages)(bot, 2)

    for communicator in sockets:
        assert await receive_ids(communicator, 2) == ids
    for communicator in sockets:
        assert await communicator.receive_nothing(timeout=0.3)


async def test_sockets_of_another_workspace_get_nothing(connect, scene, dropped):
    bot, alice, _, stranger = scene
    alices = await connect(alice)
    strangers = await connect(stranger)

    ids = await db(write_messages)(bot, 1)

    assert await receive_ids(alices, 1) == ids
    assert await strangers.receive_nothing(timeout=0.3)


async def test_a_dropped_private_event_reaches_its_agent_only(connect, scene, dropped):
    bot, alice, bob, _ = scene
    alices = await connect(alice)
    bobs = await connect(bob)

    (notification,) = await db(services.notify)(
        workspace_id=bot.workspace_id,
        recipient_ids=[alice.pk],
        kind=Notification.Kind.CUSTOM,
        message="for alice",
        bot=bot,
    )

    event = await alices.receive_json_from(timeout=3)
    assert event["payload"]["id"] == notification.pk
    assert await bobs.receive_nothing(timeout=0.3)


async def test_an_event_committed_after_a_bigger_id_arrives(connect, scene, dropped):
    bot, alice, _, _ = scene
    alices = await connect(alice)
    head = await db(realtime_selectors.latest_event_id)()

    def write(event_id: int) -> None:
        Event.objects.create(
            id=event_id, workspace=bot.workspace, bot=bot, type="note.created", resource="note"
        )

    await db(write)(head + 10)
    assert await receive_ids(alices, 1) == [head + 10]
    # The transaction that took the smaller id commits only now, after a pass read the bigger.
    await asyncio.sleep(3 * INTERVAL)
    await db(write)(head + 5)

    assert await receive_ids(alices, 1) == [head + 5]
    assert await alices.receive_nothing(timeout=0.3)


async def passes_until(condition, timeout: float = 5) -> None:
    """Wait, without a fixed sleep, until the watcher's passes make `condition()` true."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the watcher made no progress"
        await asyncio.sleep(INTERVAL / 5)


async def test_one_outbox_read_per_pass_for_all_sockets(connect, scene, monkeypatch):
    _, alice, bob, _ = scene
    reads, passes = [], []
    original_read, original_pass = replay.visible_events_after, OutboxWatcher.catch_up

    def counting(**kwargs):
        reads.append(kwargs)
        return original_read(**kwargs)

    async def counted_pass(self):
        passes.append(len(self.readers))
        await original_pass(self)

    monkeypatch.setattr(replay, "visible_events_after", counting)
    monkeypatch.setattr(OutboxWatcher, "catch_up", counted_pass)
    for user in (alice, alice, bob, bob):
        await connect(user)

    # Counted in passes, not in seconds: a slow machine makes fewer of them, never more reads.
    await passes_until(lambda: len([n for n in passes if n == 4]) >= 3)

    assert len(reads) <= len(passes)  # one read a pass for the four sockets, not four
    assert reads[-1]["user_ids"] == {alice.pk, bob.pk}


async def test_the_watcher_stops_when_the_last_socket_closes(connect, scene):
    _, alice, _, _ = scene
    sockets = [await connect(alice), await connect(alice)]
    watcher = socket_hub.local_hub().watcher
    assert watcher is not None and not watcher.task.done()

    for communicator in sockets:
        await communicator.disconnect()

    await passes_until(watcher.task.done)
    assert watcher.task.cancelled()
    assert asyncio.get_running_loop() not in socket_hub._hubs  # an idle process keeps nothing


class FakeSocket:
    def __init__(self, after: int, sent: set[int] | None = None) -> None:
        self.workspace_ids = {1}
        self.user_id = 7
        self.after = after
        self.sent = sent or set()

    def misses(self, event_id: int, workspace_id: int, recipient_id: int | None) -> bool:
        return event_id > self.after and event_id not in self.sent

    async def send_event(self, event_id: int, text: str) -> None:
        self.sent.add(event_id)


async def test_a_socket_that_joins_after_a_pass_read_an_event_still_gets_it(monkeypatch):
    # The event was read (and vouched for) before the socket joined, and its live copy was
    # dropped on the way to that socket: the first pass after joining checks the whole window.
    monkeypatch.setattr(outbox_watcher, "read_window", lambda **kw: (12, [(12, 1, None)]))
    monkeypatch.setattr(replay, "envelopes_of", lambda ids: [{"id": i} for i in ids])
    watcher = OutboxWatcher(interval=60, head=10)
    first = FakeSocket(after=10, sent={12})
    watcher.add(first)
    await watcher.catch_up()
    late = FakeSocket(after=11)
    watcher.add(late)

    await watcher.catch_up()
    watcher.stop()

    assert late.sent == {12}
