"""Issue 20's first "done when": the worker is stopped while the bot's endpoint is down, a
handoff is resolved, everything restarts, the endpoint comes back: the bot hears
`handoffResolved` exactly once. Real processes: daphne, `manage.py deliver`, a bot server."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from pytest_httpserver import HTTPServer

from agents.services import api_token_create
from handoffs import services
from handoffs.models import Delivery, Handoff
from tests.servers import Daphne, DeliveryWorker, free_port

pytestmark = pytest.mark.django_db(transaction=True)

WORKER_ENV = {
    # Retries come quickly, and the breaker stays out of the way of this test's timing.
    "DELIVERY_BACKOFF_BASE_SECONDS": "0.2",
    "DELIVERY_BREAKER_FAILURES": "1000",
    "DELIVERY_CONNECT_TIMEOUT_SECONDS": "1",
}


def exits(server: HTTPServer) -> list[tuple[str, dict]]:
    bodies = [
        (request.headers["X-Hitl-Delivery"], json.loads(request.get_data()))
        for request, _ in server.log
    ]
    return [(key, body) for key, body in bodies if body["type"] == "exit"]


def test_the_bot_hears_the_end_of_a_handoff_once_after_an_outage_and_restarts(bot, agent):
    port = free_port()  # the bot's endpoint: nothing listens there yet
    bot.bot_webhook_url = f"http://127.0.0.1:{port}/bot"
    bot.bot_webhook_secret = "s"
    bot.save()
    _, key = api_token_create(workspace=bot.workspace, name="bot")
    web, worker = Daphne(), DeliveryWorker(WORKER_ENV)
    web.start()
    worker.start()
    bot_server = HTTPServer(host="127.0.0.1", port=port)
    try:
        created = httpx.post(
            f"{web.url}/api/v1/bots/{bot.bot_id}/mod/hitlnext/handoffs",
            headers={"Authorization": f"Bearer {key}"},
            json={"userId": "u-1", "userThreadId": "t-1", "userChannel": "web"},
            timeout=10,
        )
        assert created.status_code == 201, created.text
        assert worker.stop() == 0  # SIGTERM while the bot is down

        handoff = Handoff.objects.get()
        services.handoff_assign(handoff=handoff, agent=agent)
        services.handoff_resolve(handoff=handoff, actor=agent)
        pending = Delivery.objects.get(kind="bot", payload__event="exit")
        assert pending.status == "pending"

        web.kill()
        web.start()
        worker.start()
        time.sleep(1.5)  # the restarted worker fails against the endpoint, still down
        bot_server.expect_request("/bot", method="POST").respond_with_data("ok")
        bot_server.start()  # the bot is back
        deadline = time.monotonic() + 30
        while not exits(bot_server) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)  # room for a duplicate, if there were one
        assert worker.stop() == 0
    finally:
        worker.stop()
        web.stop()
        if bot_server.is_running():
            bot_server.stop()

    received = exits(bot_server)
    assert [body["exitType"] for _, body in received] == ["handoffResolved"]
    assert [key for key, _ in received] == [str(pending.delivery_id)]
    pending.refresh_from_db()
    assert pending.status == "delivered"
    assert pending.attempts >= 2  # it failed while the bot was down, then went out
