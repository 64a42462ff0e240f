"""Issue 20's last "done when": two `deliver` processes and 1,000 deliveries: each sent once,
in order per destination. PostgreSQL (on SQLite one worker is the documented setup)."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, defaultdict

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from handoffs.models import Delivery, Event, WebhookEndpoint
from handoffs.services.delivery_engine import destination_for
from handoffs.services.webhooks import destination_key
from tests.servers import DeliveryWorker

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ENDPOINTS = 10
EVENTS = 100


@pytest.fixture
def receiver():
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def test_two_workers_send_each_of_1000_deliveries_once_in_order_per_destination(bot, receiver):
    seen: list[tuple[str, str, int]] = []
    lock = threading.Lock()

    def handler(request: Request) -> Response:
        with lock:
            seen.append(
                (request.path, request.headers["X-Hitl-Delivery"], json.loads(request.data)["id"])
            )
        return Response("ok")

    for n in range(ENDPOINTS):
        receiver.expect_request(f"/hook/{n}", method="POST").respond_with_handler(handler)
    endpoints = [
        WebhookEndpoint.objects.create(
            workspace=bot.workspace, url=receiver.url_for(f"/hook/{n}"), event_types=["x"]
        )
        for n in range(ENDPOINTS)
    ]
    events = Event.objects.bulk_create(
        Event(workspace=bot.workspace, bot=bot, type="test.event", resource="message", payload={})
        for _ in range(EVENTS)
    )
    Delivery.objects.bulk_create(
        Delivery(
            kind="webhook",
            destination=destination_for(key=destination_key(endpoint.pk), kind="webhook"),
            workspace=bot.workspace,
            endpoint=endpoint,
            event=event,
        )
        for event in events
        for endpoint in endpoints
    )
    assert Delivery.objects.count() == 1000

    workers = [DeliveryWorker().start("--threads", "4") for _ in range(2)]
    try:
        deadline = time.monotonic() + 120
        while Delivery.objects.filter(status="pending").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)  # room for a duplicate, if there were one
    finally:
        codes = [worker.stop() for worker in workers]

    assert codes == [0, 0]
    assert Delivery.objects.filter(status="delivered").count() == 1000
    keys = Counter(key for _, key, _ in seen)
    assert len(keys) == 1000
    assert set(keys.values()) == {1}
    order: dict[str, list[int]] = defaultdict(list)
    for path, _, event_id in seen:
        order[path].append(event_id)
    assert len(order) == ENDPOINTS
    for path, ids in order.items():
        assert ids == sorted(ids), path
        assert len(ids) == EVENTS
