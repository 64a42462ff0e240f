"""The channel layer keeps consumers' channels process-local: one Redis subscription carries
every message sent to any of them (hitl_project/channel_layer.py), as the Channels layer spec
allows for names with a `!`; groups keep one subscription each."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from django.conf import settings
from redis import asyncio as aioredis

from hitl_project.channel_layer import ProcessChannelLayer

pytestmark = pytest.mark.redis


def new_layer(prefix: str) -> ProcessChannelLayer:
    """One process's layer, as settings.CHANNEL_LAYERS builds it, on its own prefix."""
    config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    return ProcessChannelLayer(hosts=config["hosts"], prefix=prefix)


async def subscriptions(prefix: str) -> list[str]:
    client = aioredis.from_url(settings.REDIS_URL)
    try:
        names = await client.pubsub_channels(f"{prefix}*")
    finally:
        await client.aclose()
    return sorted(name.decode() for name in names)


def run(scenario):
    async def scenario_then_flush():
        prefix = f"test-{uuid.uuid4().hex[:8]}."
        layers = [new_layer(prefix), new_layer(prefix)]
        try:
            return await scenario(prefix, *layers)
        finally:
            for layer in layers:
                await layer.flush()

    return asyncio.run(scenario_then_flush())


def test_a_hundred_consumers_cost_one_subscription_and_their_groups_one_each():
    async def scenario(prefix, layer, _):
        channels = [await layer.new_channel() for _ in range(100)]
        for channel in channels[:50]:
            await layer.group_add("room", channel)
        return channels, await subscriptions(prefix)

    channels, subscribed = run(scenario)

    assert len(set(channels)) == 100
    process = channels[0].split("!")[0]
    assert all(channel.startswith(f"{process}!") for channel in channels)
    assert subscribed == sorted([process, f"{process.split('specific.')[0]}__group__room"])


def test_a_message_from_another_process_reaches_only_its_channel():
    async def scenario(prefix, here, there):
        first, second = await here.new_channel(), await here.new_channel()
        await there.send(second, {"type": "chat.message", "text": "to the second"})
        await there.send(first, {"type": "chat.message", "text": "to the first"})
        heard_first = await asyncio.wait_for(here.receive(first), timeout=5)
        heard_second = await asyncio.wait_for(here.receive(second), timeout=5)
        return heard_first, heard_second

    heard_first, heard_second = run(scenario)

    assert heard_first == {"type": "chat.message", "text": "to the first"}
    assert heard_second == {"type": "chat.message", "text": "to the second"}


def test_a_closed_channels_messages_are_dropped_and_the_others_flow():
    async def scenario(prefix, here, there):
        gone, staying = await here.new_channel(), await here.new_channel()
        waiting = asyncio.create_task(here.receive(gone))
        await asyncio.sleep(0)
        waiting.cancel()  # its consumer closed, as Channels closes one
        await asyncio.gather(waiting, return_exceptions=True)
        await there.send(gone, {"type": "chat.message", "text": "too late"})
        await there.send(staying, {"type": "chat.message", "text": "still here"})
        heard = await asyncio.wait_for(here.receive(staying), timeout=5)
        return heard, gone in here._get_layer().channels, await subscriptions(prefix)

    heard, gone_kept, subscribed = run(scenario)

    assert heard["text"] == "still here"
    assert not gone_kept
    assert len(subscribed) == 1  # the process's one, still there for the other channel


def test_a_channel_still_receives_after_its_layer_was_flushed():
    async def scenario(prefix, here, there):
        channel = await here.new_channel()
        await here.flush()  # forgets every queue and subscription
        waiting = asyncio.create_task(here.receive(channel))

        async def subscribed():
            while not await subscriptions(prefix):
                await asyncio.sleep(0.01)

        await asyncio.wait_for(subscribed(), timeout=5)
        await there.send(channel, {"type": "chat.message", "text": "after the flush"})
        return await asyncio.wait_for(waiting, timeout=5)

    assert run(scenario)["text"] == "after the flush"


def test_group_messages_from_another_process_reach_every_local_member():
    async def scenario(prefix, here, there):
        members = [await here.new_channel() for _ in range(3)]
        outsider = await here.new_channel()
        for channel in members:
            await here.group_add("room", channel)
        await there.group_send("room", {"type": "chat.message", "text": "to the room"})
        heard = [await asyncio.wait_for(here.receive(c), timeout=5) for c in members]
        try:
            await asyncio.wait_for(here.receive(outsider), timeout=0.3)
            outsider_heard = True
        except TimeoutError:
            outsider_heard = False
        return heard, outsider_heard

    heard, outsider_heard = run(scenario)

    assert [m["text"] for m in heard] == ["to the room"] * 3
    assert not outsider_heard
