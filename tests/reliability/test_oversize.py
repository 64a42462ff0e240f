"""Issue 19, item 2: one content rule for every way in (413 beyond it, nothing stored), and a
socket that never dies on an event it cannot send whole."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets
from django.test import Client

from agents.services import api_token_create
from handoffs.models import EndUser, Message
from tests.api.conftest import api_url
from tests.factories import BotFactory, EndUserFactory, MembershipFactory
from tests.servers import Daphne

BIG = {"blob": "x" * (17 * 1024)}


# Transactional: each test reads the database after a refused request, as a client would.
@pytest.mark.django_db(transaction=True)
class TestOneContentRule:
    def test_an_api_message_with_a_big_payload_is_413_and_not_stored(self, token_client, bot):
        body = {"userId": "u1", "text": "hi", "payload": BIG}

        response = token_client.post(api_url(bot, "channels/api/messages"), body, format="json")

        assert response.status_code == 413
        assert response.json()["code"] == "payload_too_large"
        assert not Message.objects.exists()

    def test_big_user_variables_on_a_message_are_413_and_nothing_is_stored(self, token_client, bot):
        body = {"userId": "u1", "text": "hi", "user": BIG}

        response = token_client.post(api_url(bot, "channels/api/messages"), body, format="json")

        assert response.status_code == 413
        assert response.json()["code"] == "variables_too_large"
        assert not Message.objects.exists()

    def test_a_profile_update_past_the_cap_is_413_and_keeps_the_profile(self, token_client, bot):
        ada = EndUserFactory(bot=bot, external_id="ada", variables={"fullName": "Ada"})

        response = token_client.patch(
            api_url(bot, "mod/hitlnext/users/ada"), {"variables": BIG}, format="json"
        )

        assert response.status_code == 413
        assert EndUser.objects.get(pk=ada.pk).variables == {"fullName": "Ada"}

    def test_an_agents_message_with_a_big_payload_is_413(self, agent_client, assigned_handoff):
        bot = assigned_handoff.bot
        url = api_url(
            bot, f"mod/hitlnext/conversations/{assigned_handoff.conversation_id}/messages"
        )

        response = agent_client.post(url, {"text": "hi", "payload": BIG}, format="json")

        assert response.status_code == 413
        assert not Message.objects.filter(direction="agent").exists()

    def test_a_payload_counts_its_bytes_not_its_characters(self, token_client, bot):
        # 6,000 characters of 3 bytes each: 18 KB encoded.
        body = {"userId": "u1", "text": "hi", "payload": {"t": "€" * 6000}}

        response = token_client.post(api_url(bot, "channels/api/messages"), body, format="json")

        assert response.status_code == 413


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_event_too_big_for_a_frame_comes_as_a_stub_and_the_socket_lives_on():
    bot = BotFactory()
    agent = MembershipFactory(workspace=bot.workspace).user
    _, key = api_token_create(workspace=bot.workspace, name="bot")
    client = Client()
    client.force_login(agent)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    # An operator raised the cap: the 1.1 MB payload is accepted, its event is over a frame.
    server = Daphne({"MAX_PAYLOAD_BYTES": str(2 * 1024 * 1024)}).start()
    headers = {"Authorization": f"Bearer {key}"}
    ingest = f"{server.url}/api/v1/bots/{bot.bot_id}/channels/api/messages"
    try:

        async def scenario() -> tuple[dict, dict, dict]:
            ws_url = server.url.replace("http", "ws") + "/ws/workspace/"
            connect = {"additional_headers": {"Cookie": cookie}, "origin": server.url}
            async with websockets.connect(ws_url + "?after=0", **connect) as ws:
                big = await asyncio.to_thread(
                    httpx.post,
                    ingest,
                    json={"userId": "u1", "text": "big", "payload": {"b": "y" * 1_100_000}},
                    headers=headers,
                    timeout=30,
                )
                assert big.status_code == 201, big.text
                stub = await next_of(ws, "message.created")
                small = await asyncio.to_thread(
                    httpx.post, ingest, json={"userId": "u2", "text": "small"}, headers=headers
                )
                assert small.status_code == 201
                after = await next_of(ws, "message.created")
            # A reconnect that replays the big one stays open too.
            async with websockets.connect(ws_url + "?after=0", **connect) as ws:
                replayed = await next_of(ws, "message.created")
                assert json.loads(await asyncio.wait_for(ws.recv(), 10))["payload"]["text"] in (
                    "small",
                    None,
                )
            return stub, after, replayed

        stub, after, replayed = asyncio.run(scenario())
        full = httpx.get(
            f"{server.url}/workspace/events/{stub['id']}/", headers={"Cookie": cookie}, timeout=30
        )
    finally:
        server.stop()

    assert stub["truncated"] is True and "payload" not in stub
    assert after["payload"]["text"] == "small"
    assert replayed == stub
    assert full.status_code == 200
    assert full.json()["payload"]["payload"]["b"] == "y" * 1_100_000


async def next_of(ws, event_type: str) -> dict:
    while True:
        event = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        if event.get("type") == event_type:
            return event
