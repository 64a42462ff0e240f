from __future__ import annotations

from channels.testing import WebsocketCommunicator


async def receive_types(communicator: WebsocketCommunicator, count: int) -> list[dict]:
    return [await communicator.receive_json_from(timeout=3) for _ in range(count)]
