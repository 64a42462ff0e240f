from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator

from handoffs.consumers import WorkspaceConsumer


@pytest.fixture
async def connect():
    """Open `/ws/workspace/` as a user; every socket opened is closed at the end."""
    opened: list[WebsocketCommunicator] = []

    async def open_socket(user, query: str = "") -> WebsocketCommunicator:  # noqa: ANN001
        path = "/ws/workspace/" + (f"?{query}" if query else "")
        communicator = WebsocketCommunicator(WorkspaceConsumer.as_asgi(), path)
        communicator.scope["user"] = user
        connected, _ = await communicator.connect()
        assert connected
        opened.append(communicator)
        return communicator

    yield open_socket
    for communicator in opened:
        await communicator.disconnect()


async def receive_types(communicator: WebsocketCommunicator, count: int) -> list[dict]:
    return [await communicator.receive_json_from(timeout=3) for _ in range(count)]
