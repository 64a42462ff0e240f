"""SIGTERM to a real web process: it stops accepting, closes its sockets with 1012, lets the
request in flight finish, and exits; a request stuck past SHUTDOWN_TIMEOUT cannot hold it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import psycopg
import pytest
import websockets
from django.test import Client

from agents.services import api_token_create
from handoffs.models import Conversation
from handoffs.services import message_ingest
from tests.factories import BotFactory, MembershipFactory
from tests.servers import ROOT, Daphne, shared_database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene():
    bot = BotFactory()
    agent = MembershipFactory(workspace=bot.workspace).user
    _, key = api_token_create(workspace=bot.workspace, name="bot")
    conversation = message_ingest(bot=bot, channel="api", user_id="u-1", text="hi").message
    client = Client()
    client.force_login(agent)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    return bot, key, cookie, conversation.conversation_id


class HeldRow:
    """The conversation's row locked by another session, so a request writing to it waits."""

    def __init__(self, conversation_id: int) -> None:
        self.db = psycopg.connect(shared_database_url())
        self.db.execute(
            f"SELECT id FROM {Conversation._meta.db_table} WHERE id = %s FOR UPDATE",
            [conversation_id],
        )

    def someone_waits(self, timeout: float = 10) -> None:
        """Until a request is blocked on the lock: inside its view, in flight."""
        deadline = time.monotonic() + timeout
        with psycopg.connect(shared_database_url(), autocommit=True) as watcher:
            while time.monotonic() < deadline:
                waiting = watcher.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if waiting.fetchone()[0]:
                    return
                time.sleep(0.05)
        raise AssertionError("no request came to wait on the lock")

    def release(self) -> None:
        self.db.rollback()
        self.db.close()


def post_in_background(url: str, bot, key: str) -> dict:
    outcome: dict = {}

    def run() -> None:
        try:
            response = httpx.post(
                f"{url}/api/v1/bots/{bot.bot_id}/channels/api/messages",
                json={"userId": "u-1", "text": "sent before the restart"},
                headers={"Authorization": f"Bearer {key}"},
                timeout=60,
            )
            outcome["status"] = response.status_code
        except httpx.HTTPError as error:
            outcome["error"] = repr(error)

    outcome["thread"] = threading.Thread(target=run)
    outcome["thread"].start()
    return outcome


def test_sigterm_closes_sockets_with_1012_and_lets_the_request_finish(scene):
    bot, key, cookie, conversation_id = scene
    server = Daphne({"SHUTDOWN_TIMEOUT": "20"}).start()
    held = HeldRow(conversation_id)
    try:

        async def scenario() -> int:
            ws_url = server.url.replace("http", "ws") + "/ws/workspace/"
            async with websockets.connect(
                ws_url, additional_headers={"Cookie": cookie}, origin=server.url
            ) as ws:
                outcome = post_in_background(server.url, bot, key)
                await asyncio.to_thread(held.someone_waits)
                server.process.send_signal(signal.SIGTERM)
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    while True:
                        await asyncio.wait_for(ws.recv(), timeout=10)
                # No new connection is taken while the last request finishes.
                with pytest.raises(httpx.ConnectError):
                    httpx.get(f"{server.url}/healthz", timeout=2)
                held.release()
                await asyncio.to_thread(outcome["thread"].join, 30)
                assert outcome.get("status") == 201, outcome
                return closed.value.rcvd.code

        assert asyncio.run(scenario()) == 1012
        assert server.process.wait(timeout=15) == 0
    finally:
        if held.db and not held.db.closed:
            held.release()
        server.stop()


def test_a_request_stuck_past_the_timeout_cannot_keep_the_process_alive(scene):
    bot, key, _, conversation_id = scene
    server = Daphne({"SHUTDOWN_TIMEOUT": "1"}).start()
    held = HeldRow(conversation_id)
    try:
        post_in_background(server.url, bot, key)
        held.someone_waits()
        started = time.monotonic()

        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=20)

        assert time.monotonic() - started < 10
    finally:
        held.release()
        server.stop()


@pytest.mark.parametrize(
    ("command", "name"),
    [("sweep", "sweep"), ("deliver", "deliver"), ("deliver_webhooks", "deliver")],
)
def test_a_worker_ends_its_loop_on_sigterm(command, name):
    worker = subprocess.Popen(
        [sys.executable, "manage.py", command, "--interval", "3600"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": shared_database_url(), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert worker.stdout is not None
        for line in worker.stdout:  # its first pass runs right after this line
            if f"{name} started" in line:
                break
        worker.send_signal(signal.SIGTERM)

        assert worker.wait(timeout=20) == 0
        assert "stopped after its pass" in worker.stdout.read()
    finally:
        worker.kill()
