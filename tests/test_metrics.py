"""`/metrics` for Prometheus: who may read it, and that its figures follow what happens."""

from __future__ import annotations

import re

import httpx
import pytest
from asgiref.testing import ApplicationCommunicator
from django.core.management import call_command

from agents.services import api_token_create
from hitl_project.asgi import application
from tests.factories import BotFactory
from tests.servers import Daphne


async def scrape(client: str = "127.0.0.1", authorization: bytes = b"") -> tuple[int, str]:
    headers = [(b"host", b"10.0.0.7:8000")]
    if authorization:
        headers.append((b"authorization", authorization))
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/metrics",
        "raw_path": b"/metrics",
        "query_string": b"",
        "headers": headers,
        "http_version": "1.1",
        "scheme": "http",
        "client": (client, 51000),
    }
    app = ApplicationCommunicator(application, scope)
    await app.send_input({"type": "http.request", "body": b""})
    start = await app.receive_output(timeout=5)
    body = await app.receive_output(timeout=5)
    return start["status"], body["body"].decode()


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one series in the exposition text, None when it is absent."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = rf"^{re.escape(name)}{re.escape('{' + wanted + '}') if labels else ''} (\S+)$"
    found = re.search(pattern, text, re.M)
    return float(found.group(1)) if found else None


@pytest.mark.django_db(transaction=True)
async def test_loopback_reads_the_metrics_by_default():
    status, text = await scrape()

    assert status == 200
    assert "hitl_http_request_duration_seconds" in text


async def test_another_address_is_refused_without_the_token():
    status, text = await scrape(client="203.0.113.9")

    assert status == 403
    assert '"statusCode": 403' in text


@pytest.mark.django_db(transaction=True)
async def test_the_token_opens_it_from_anywhere_and_a_wrong_one_does_not(settings):
    settings.METRICS_TOKEN = "s3cret-scrape"

    assert (await scrape("203.0.113.9", b"Bearer s3cret-scrape"))[0] == 200
    assert (await scrape("203.0.113.9", b"Bearer s3cret-scrapf"))[0] == 403
    assert (await scrape("203.0.113.9", b"s3cret-scrape"))[0] == 403


@pytest.mark.django_db(transaction=True)
async def test_an_allowed_network_reads_it(settings):
    import ipaddress

    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]

    assert (await scrape("10.1.2.3"))[0] == 200
    assert (await scrape("127.0.0.1"))[0] == 403


@pytest.mark.django_db(transaction=True)
async def test_workspace_sockets_are_counted_while_open(connect, agent):
    _, before = await scrape()
    socket = await connect(agent)

    _, during = await scrape()
    await socket.disconnect()
    _, after = await scrape()

    open_before = sample(before, "hitl_websockets_open", kind="workspace") or 0
    assert sample(during, "hitl_websockets_open", kind="workspace") == open_before + 1
    assert sample(after, "hitl_websockets_open", kind="workspace") == open_before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_process_reports_the_queue_requests_events_and_workers():
    bot = BotFactory(bot_id="metrics-bot")
    _, key = api_token_create(workspace=bot.workspace, name="bot")
    call_command("sweep", once=True)
    server = Daphne().start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            for user in ("u-1", "u-2"):
                created = http.post(
                    f"/api/v1/bots/{bot.bot_id}/mod/hitlnext/handoffs",
                    headers={"Authorization": f"Bearer {key}"},
                    json={"userId": user, "userThreadId": user, "userChannel": "api"},
                )
                assert created.status_code == 201, created.text
            text = http.get("/metrics").text
    finally:
        server.stop()

    assert sample(text, "hitl_handoffs_pending", bot="metrics-bot") == 2
    assert (sample(text, "hitl_handoff_oldest_wait_seconds", bot="metrics-bot") or -1) >= 0
    route = "api/v1/bots/<slug:bot_id>/mod/hitlnext/handoffs"
    assert (
        sample(
            text,
            "hitl_http_request_duration_seconds_count",
            method="POST",
            route=route,
            status="2xx",
        )
        == 2
    )
    assert (sample(text, "hitl_events_published_total", type="handoff.created") or 0) >= 2
    assert sample(text, "hitl_worker_passes_total", worker="sweep") == 1
    assert sample(text, "hitl_worker_last_pass_ok", worker="sweep") == 1
    assert sample(text, "hitl_delivery_backlog", kind="webhook") == 0
