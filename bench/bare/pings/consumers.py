from __future__ import annotations

import json
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

from .views import GROUP


class RelayConsumer(AsyncWebsocketConsumer):
    """Relays the group to the socket, as WorkspaceConsumer does for a workspace."""

    async def connect(self) -> None:
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def relay(self, message: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps({"id": message["id"], "text": message["text"]}))
