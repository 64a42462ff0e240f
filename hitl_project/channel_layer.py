"""The Redis pub/sub channel layer with one subscription per process for all its channels.

channels-redis's pub/sub layer subscribes every consumer's own channel in Redis on connect and
unsubscribes it on close: a web-chat socket made two subscriptions (its channel and its
conversation's group), whose commands and confirmations took 14% of its connect's samples in a
profile (bench/README.md, "10,000 sockets on one process"). Here a consumer's channel is
process-local, as the Channels layer spec provides: `<process channel>!<name>`. The process's
one subscription carries every message sent to any of them, with the local name in front, and
the layer hands it to that channel's queue. Groups are as before: one subscription per group.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from channels_redis.pubsub import (
    RedisPubSubChannelLayer,
    RedisPubSubLoopLayer,
    RedisSingleShardConnection,
)
from channels_redis.utils import _wrap_close

# Never in a valid channel name, so it ends the local name in front of a message.
SEPARATOR = b"\n"


class ProcessChannelLayer(RedisPubSubChannelLayer):
    """RedisPubSubChannelLayer, whose loop layers keep their consumers' channels local."""

    def _get_layer(self) -> RedisPubSubLoopLayer:
        loop = asyncio.get_running_loop()
        layer = self._layers.get(loop)
        if layer is None:
            layer = self._layers[loop] = ProcessLoopLayer(
                *self._args, **self._kwargs, channel_layer=self
            )
            _wrap_close(self, loop)
        return layer


class _Shard(RedisSingleShardConnection):
    channel_layer: ProcessLoopLayer

    def _receive_message(self, message: dict[str, Any] | None) -> None:
        if message is not None and _text(message["channel"]) == self.channel_layer.process_channel:
            self.channel_layer.deliver_local(message["data"])
            return
        super()._receive_message(message)


class ProcessLoopLayer(RedisPubSubLoopLayer):
    process_channel: str
    _shards: list[RedisSingleShardConnection]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shards = [_Shard(shard.host, self) for shard in self._shards]
        self.process_channel = f"{self.prefix}specific.{uuid.uuid4().hex}"

    async def new_channel(self, prefix: str = "specific.") -> str:
        channel = f"{self.process_channel}!{uuid.uuid4().hex}"
        self.channels[channel] = asyncio.Queue()
        await self._subscribe_process_channel()
        return channel

    async def _subscribe_process_channel(self) -> None:
        # After flush() too, which forgets every subscription.
        shard = self._get_shard(self.process_channel)
        if self.process_channel not in shard._subscribed_to:
            await shard.subscribe(self.process_channel)

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        target, bang, _ = channel.partition("!")
        if not bang:
            await super().send(channel, message)
            return
        data = channel.encode() + SEPARATOR + self.channel_layer.serialize(message)
        await self._get_shard(target).publish(target, data)

    async def receive(self, channel: str) -> dict[str, Any]:
        if "!" not in channel:
            return await super().receive(channel)
        # A local channel lives only in this process: nothing of its own to subscribe or undo.
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue()
            await self._subscribe_process_channel()
        try:
            data = await queue.get()
        except (TimeoutError, asyncio.CancelledError, GeneratorExit):
            self.channels.pop(channel, None)
            raise
        return self.channel_layer.deserialize(data)

    def deliver_local(self, data: bytes) -> None:
        name, _, message = data.partition(SEPARATOR)
        queue = self.channels.get(name.decode())
        if queue is not None:  # else its consumer has gone: as a closed channel, dropped
            queue.put_nowait(message)


def _text(name: str | bytes) -> str:
    return name.decode() if isinstance(name, bytes) else name
