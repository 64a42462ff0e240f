"""The process's sockets share one subscription per group: every member gets each live event
once, sockets come and go without disturbing the others, and an idle process keeps nothing."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async as db

from handoffs import services
from handoffs.models import Event
from handoffs.realtime import socket_hub
from tests.factories import BotFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene(db):
    bot = BotFactory()
    alice = MembershipFactory(workspace=bot.workspace).user
    bob = MembershipFactory(workspace=bot.workspace).user
    return bot, alice, bob


def write_message(bot) -> int:
    services.message_ingest(bot=bot, channel="web", user_id="u1", text="hello")
    return Event.objects.latest("id").id


async def test_every_socket_of_a_group_gets_a_live_event_once(connect, scene, settings):
    settings.HITL = {**settings.HITL, "STREAM_CATCHUP_SECONDS": 0}
    bot, alice, bob = scene
    sockets = [await connect(alice), await connect(alice), await connect(bob)]

    event_id = await db(write_message)(bot)

    for communicator in sockets:
        assert (await communicator.receive_json_from(timeout=3))["id"] == event_id
        assert await communicator.receive_nothing(timeout=0.2)


async def test_a_socket_closing_leaves_the_others_subscribed(connect, scene, settings):
    settings.HITL = {**settings.HITL, "STREAM_CATCHUP_SECONDS": 0}
    bot, alice, bob = scene
    leaving = await connect(alice)
    staying = await connect(bob)

    await leaving.disconnect()
    event_id = await db(write_message)(bot)

    assert (await staying.receive_json_from(timeout=3))["id"] == event_id


async def test_the_hub_is_dropped_when_the_last_socket_closes(connect, scene):
    _, alice, bob = scene
    sockets = [await connect(alice), await connect(bob)]
    assert socket_hub.local_hub().groups

    for communicator in sockets:
        await communicator.disconnect()

    assert asyncio.get_running_loop() not in socket_hub._hubs
