"""Two daphne processes sharing PostgreSQL and Redis: an event made on one reaches the other."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets
from django.test import Client

from agents.services import api_token_create
from tests.factories import BotFactory, MembershipFactory
from tests.servers import daphne

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

# redis-py 8 closed idle sockets after 5 s (its default socket_timeout); stay idle longer.
IDLE_SECONDS = 7


async def first_message_with_text(ws, text: str) -> dict:
    while True:
        event = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        if event.get("type") == "message.created" and event["payload"]["text"] == text:
            return event


def test_event_from_process_a_reaches_an_idle_socket_on_process_b():
    bot = BotFactory()
    agent = MembershipFactory(workspace=bot.workspace).user
    _, key = api_token_create(workspace=bot.workspace, name="bot")
    client = Client()
    client.force_login(agent)
    cookie = f"sessionid={client.cookies['sessionid'].value}"

    with daphne() as server_a, daphne() as server_b:

        async def scenario() -> dict:
            ws_url = server_b.replace("http", "ws") + "/ws/workspace/"
            async with websockets.connect(
                ws_url, additional_headers={"Cookie": cookie}, origin=server_b
            ) as ws:
                await asyncio.sleep(IDLE_SECONDS)
                async with httpx.AsyncClient(base_url=server_a) as http:
                    response = await http.post(
                        f"/api/v1/bots/{bot.bot_id}/channels/api/messages",
                        json={"userId": "u-1", "text": "across processes"},
                        headers={"Authorization": f"Bearer {key}"},
                    )
                    assert response.status_code == 201, response.text
                return await first_message_with_text(ws, "across processes")

        event = asyncio.run(scenario())

    assert event["botId"] == bot.bot_id
    assert event["payload"]["direction"] == "incoming"
