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


class Tarpit:
    """A socket that accepts connections and never answers, until released."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/bot"
        self.held: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        self.server.settimeout(0.1)
        while not self.stop.is_set():
            try:
                self.held.append(self.server.accept()[0])
            except OSError:
                continue

    def release(self) -> None:
        if self.stop.is_set():
            return
        self.stop.set()
        self.thread.join()
        for connection in self.held:
            connection.close()  # the worker's read ends at once
        self.server.close()


@pytest.fixture
def tarpit():
    tarpit = Tarpit()
    yield tarpit
    tarpit.release()


def test_a_tarpit_does_not_slow_another_bot(tarpit, httpserver, settings):
    settings.DELIVERY_TIMEOUT_SECONDS = 30  # the tarpit holds its thread all along
    stuck = BotFactory(bot_webhook_url=tarpit.url)
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
        # Every worker thread is done before the database is flushed: the one the tarpit held
        # wrote its attempt while the flush's TRUNCATE waited, and they deadlocked.
        tarpit.release()
        worker.join(timeout=15)
        assert not any(thread.is_alive() for thread in worker.threads)

    latencies = [arrived[text] - written[text] for text in written if text in arrived]
    assert len(latencies) == 10, f"only {len(latencies)} of 10 arrived"
    assert max(latencies) < 1.5, latencies
