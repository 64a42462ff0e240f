"""Two deployments on one Redis: pub/sub channels ignore the db number, so each deployment's
channels carry its own prefix (HITL_REDIS_PREFIX, by default from the database's name)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import websockets
from django.test import Client

from agents.services import api_token_create
from tests.factories import BotFactory, MembershipFactory
from tests.servers import daphne

ROOT = Path(__file__).resolve().parents[2]


def prefix_of(**env: str) -> str:
    code = "from django.conf import settings; print(settings.REDIS_PREFIX)"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "hitl_project.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[-1]


def test_each_database_gets_its_own_prefix_whatever_the_redis_db_number():
    shop = prefix_of(DATABASE_URL="postgres://h/shop", REDIS_URL="redis://127.0.0.1:6379/0")
    bank = prefix_of(DATABASE_URL="postgres://h/bank", REDIS_URL="redis://127.0.0.1:6379/1")
    chosen = prefix_of(DATABASE_URL="postgres://h/shop", HITL_REDIS_PREFIX="eu-shop")

    assert shop != bank
    assert chosen == "eu-shop"


def words_heard(prefix_a: str, prefix_b: str) -> list[str]:
    """A message posted to deployment A, while an agent's socket is open on B: what B hears.

    Both serve the same test database, so the only way across is Redis; the outbox catch-up,
    which would find the event in the shared database, is off.
    """
    bot = BotFactory()
    agent = MembershipFactory(workspace=bot.workspace).user
    _, key = api_token_create(workspace=bot.workspace, name="bot")
    client = Client()
    client.force_login(agent)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    quiet = {"HITL_STREAM_CATCHUP_SECONDS": "0"}

    with (
        daphne({**quiet, "HITL_REDIS_PREFIX": prefix_a}) as server_a,
        daphne({**quiet, "HITL_REDIS_PREFIX": prefix_b}) as server_b,
    ):

        async def scenario() -> list[str]:
            ws_url = server_b.replace("http", "ws") + "/ws/workspace/"
            async with websockets.connect(
                ws_url, additional_headers={"Cookie": cookie}, origin=server_b
            ) as ws:
                async with httpx.AsyncClient(base_url=server_a) as http:
                    response = await http.post(
                        f"/api/v1/bots/{bot.bot_id}/channels/api/messages",
                        json={"userId": "u-1", "text": "for deployment A only"},
                        headers={"Authorization": f"Bearer {key}"},
                    )
                    assert response.status_code == 201, response.text
                heard = []
                try:
                    while True:
                        event = json.loads(await asyncio.wait_for(ws.recv(), timeout=3))
                        if event.get("type") == "message.created":
                            heard.append(event["payload"]["text"])
                except TimeoutError:
                    return heard

        return asyncio.run(scenario())


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_two_deployments_on_one_redis_hear_nothing_of_each_other():
    assert words_heard("hitl-alpha", "hitl-beta") == []


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_one_deployment_in_two_processes_still_hears_itself():
    """The control: with one prefix the same setup carries the event across."""
    assert words_heard("hitl-alpha", "hitl-alpha") == ["for deployment A only"]
