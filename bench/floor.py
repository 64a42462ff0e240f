"""The raw floor: a bare `websockets` server whose messages make a Redis pub/sub round trip.

client --ws--> this server --PUBLISH--> Redis --message--> this server --ws--> every client.
No Django, no database: what the transport alone costs on this machine.

    python -m bench.floor --port 8765 --redis redis://127.0.0.1:6379/1
"""

from __future__ import annotations

import argparse
import asyncio
import signal

import redis.asyncio as redis
from websockets.asyncio.server import ServerConnection, broadcast, serve

CHANNEL = "bench-floor"


async def main(port: int, redis_url: str) -> None:
    client = redis.from_url(redis_url)
    clients: set[ServerConnection] = set()
    pubsub = client.pubsub()
    await pubsub.subscribe(CHANNEL)

    async def relay() -> None:
        async for message in pubsub.listen():
            if message["type"] == "message":
                broadcast(clients, message["data"].decode())

    async def handler(socket: ServerConnection) -> None:
        clients.add(socket)
        try:
            async for frame in socket:
                await client.publish(CHANNEL, frame)
        finally:
            clients.discard(socket)

    relaying = asyncio.create_task(relay())
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    async with serve(handler, "127.0.0.1", port, max_queue=None, ping_interval=None):
        await stop
    relaying.cancel()
    await client.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", required=True)
    args = parser.parse_args()
    asyncio.run(main(args.port, args.redis))
