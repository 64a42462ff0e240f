"""One receiver that never answers (a tarpit) must not delay another's deliveries (issue 20:
0.7 s became 140.8 s when every bot shared the outbound pool's four threads)."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from werkzeug import Request, Response

from channels_adapters import services as adapter_services
from handoffs.services.delivery_engine import DeliveryWorker
from tests.factories import BotFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tarpit():
    """A socket that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/bot"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()  # the worker's read ends at once
    server.close()


def test_a_tarpit_does_not_slow_another_bot(tarpit, httpserver, settings):
    settings.DELIVERY_TIMEOUT_SECONDS = 30  # the tarpit holds its thread all along
    stuck = BotFactory(bot_webhook_url=tarpit)
    healthy = BotFactory(bot_webhook_url=httpserver.url_for("/bot"))
    arrived: dict[str, float] = {}

    def handler(request: Request) -> Response:
        arrived[request.get_json()["message"]["text"]] = time.monotonic()
        return Response("ok")

    httpserver.expect_request("/bot", method="POST").respond_with_handler(handler)
    stopping = threading.Event()
    worker = DeliveryWorker(threads=2, interval=0.05, stopping=stopping)
    worker.start()
    try:
        for n in range(5):
            adapter_services.inbound_receive(
                bot=stuck, channel="web", user_id=f"stuck-{n}", text=f"stuck {n}"
            )
        time.sleep(0.5)  # the tarpit has its connection, and one thread
        written: dict[str, float] = {}
        for n in range(10):
            text = f"healthy {n}"
            written[text] = time.monotonic()
            adapter_services.inbound_receive(bot=healthy, channel="web", user_id="user", text=text)
            time.sleep(0.1)
        deadline = time.monotonic() + 10
        while len(arrived) < 10 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stopping.set()

    latencies = [arrived[text] - written[text] for text in written if text in arrived]
    assert len(latencies) == 10, f"only {len(latencies)} of 10 arrived"
    assert max(latencies) < 1.5, latencies
