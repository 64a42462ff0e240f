"""A client that reconnects with `?after=<id>` gets what it missed, then live events: no gap,
no duplicate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async as db
from django.utils import timezone

from handoffs import services
from handoffs.models import Event
from handoffs.realtime import replay
from tests.factories import BotFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene(db):
    bot = BotFactory()
    agent = MembershipFactory(workspace=bot.workspace).user
    return bot, agent


def write_messages(bot, count: int, prefix: str = "m") -> list[int]:
    for n in range(count):
        services.message_ingest(bot=bot, channel="web", user_id="u1", text=f"{prefix}{n}")
    return list(Event.objects.order_by("id").values_list("id", flat=True))


async def receive_ids(communicator, count: int) -> list[int]:
    return [(await communicator.receive_json_from(timeout=3))["id"] for _ in range(count)]


async def test_reconnect_after_k_yields_exactly_the_rest_then_live(connect, scene):
    bot, agent = scene
    ids = await db(write_messages)(bot, 6)
    k = ids[2]

    communicator = await connect(agent, f"after={k}")

    assert await receive_ids(communicator, len(ids) - 3) == ids[3:]
    assert await communicator.receive_nothing(timeout=0.2)
    live = await db(write_messages)(bot, 1, prefix="live")
    assert await receive_ids(communicator, 1) == live[-1:]


async def test_after_zero_replays_everything(connect, scene):
    bot, agent = scene
    ids = await db(write_messages)(bot, 3)

    communicator = await connect(agent, "after=0")

    assert await receive_ids(communicator, 3) == ids


async def test_replay_larger_than_one_batch(connect, scene, monkeypatch):
    bot, agent = scene
    monkeypatch.setattr(replay, "REPLAY_BATCH", 2)
    ids = await db(write_messages)(bot, 5)

    communicator = await connect(agent, "after=0")

    assert await receive_ids(communicator, 5) == ids


@pytest.mark.parametrize("when", ["before_the_query", "after_the_query"])
async def test_event_committed_during_replay_arrives_once(connect, scene, monkeypatch, when):
    bot, agent = scene
    ids = await db(write_messages)(bot, 2)
    original = replay.visible_events_after
    calls = []

    def racing_events_after(**kwargs):
        # A live event is committed and published while the replay runs.
        if when == "before_the_query" and not calls:
            calls.append(write_messages(bot, 1, prefix="race"))
        result = original(**kwargs)
        if when == "after_the_query" and not calls:
            calls.append(write_messages(bot, 1, prefix="race"))
        return result

    monkeypatch.setattr(replay, "visible_events_after", racing_events_after)

    communicator = await connect(agent, "after=0")

    received = await receive_ids(communicator, 3)
    assert received == [*ids, calls[0][-1]]
    assert await communicator.receive_nothing(timeout=0.3)


async def test_events_of_other_workspaces_are_not_replayed(connect, scene):
    bot, agent = scene
    other_bot = await db(BotFactory)()
    await db(write_messages)(other_bot, 2)
    mine = await db(write_messages)(bot, 1)

    communicator = await connect(agent, "after=0")

    assert await receive_ids(communicator, 1) == mine[-1:]
    assert await communicator.receive_nothing(timeout=0.2)


async def test_an_event_the_channel_layer_dropped_arrives_by_catch_up(
    connect, scene, settings, monkeypatch
):
    from handoffs.realtime import publisher

    bot, agent = scene
    settings.HITL = {**settings.HITL, "STREAM_CATCHUP_SECONDS": 0.1}
    communicator = await connect(agent)
    # The layer loses every live publish, as when Redis restarts mid-stream.
    monkeypatch.setattr(publisher, "publish", lambda event: None)

    ids = await db(write_messages)(bot, 2, prefix="dropped")

    assert await receive_ids(communicator, 2) == ids[-2:]
    assert await communicator.receive_nothing(timeout=0.3)


async def test_catch_up_does_not_repeat_live_events(connect, scene, settings):
    bot, agent = scene
    settings.HITL = {**settings.HITL, "STREAM_CATCHUP_SECONDS": 0.05}
    communicator = await connect(agent)

    ids = await db(write_messages)(bot, 3)

    assert await receive_ids(communicator, 3) == ids[-3:]
    assert await communicator.receive_nothing(timeout=0.3)


async def test_a_fresh_socket_does_not_replay_history(connect, scene, settings):
    bot, agent = scene
    settings.HITL = {**settings.HITL, "STREAM_CATCHUP_SECONDS": 0.05}
    await db(write_messages)(bot, 3)

    communicator = await connect(agent)

    assert await communicator.receive_nothing(timeout=0.3)


async def test_a_reconnect_within_the_replay_window_gets_everything_after_a_prune(connect, scene):
    bot, agent = scene
    ids = await db(write_messages)(bot, 4)
    window = replay.REPLAY_WINDOW
    await db(Event.objects.filter(pk__in=ids[:2]).update)(
        created_at=timezone.now() - window - timedelta(hours=1)
    )
    await db(Event.objects.filter(pk__in=ids[2:]).update)(
        created_at=timezone.now() - window + timedelta(hours=1)
    )

    await db(services.prune)()

    communicator = await connect(agent, f"after={ids[1]}")
    assert await receive_ids(communicator, 2) == ids[2:]
    assert await communicator.receive_nothing(timeout=0.2)
