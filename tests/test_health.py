"""`/healthz` and `/readyz` for load balancers: cheap, unauthenticated, any Host header, and left
out of the access log."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest
from asgiref.testing import ApplicationCommunicator

from hitl_project.asgi import application
from tests.servers import ROOT, Daphne, _wait_for_port, free_port


async def probe(path: str, host: bytes = b"10.0.0.7:8000") -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", host)],
        "http_version": "1.1",
        "scheme": "http",
    }
    app = ApplicationCommunicator(application, scope)
    await app.send_input({"type": "http.request", "body": b""})
    start = await app.receive_output(timeout=5)
    body = await app.receive_output(timeout=5)
    return start["status"], body["body"]


async def test_healthz_answers_whatever_the_host_header():
    assert await probe("/healthz") == (200, b'{"status": "ok"}')


@pytest.mark.django_db(transaction=True)
async def test_readyz_answers_200_when_the_database_and_the_layer_do():
    status, body = await probe("/readyz")

    assert status == 200, body
    assert b'"database": "ok"' in body and b'"channelLayer": "ok"' in body


def readyz_of(**env: str) -> httpx.Response:
    server = Daphne(env).start()
    try:
        return httpx.get(f"{server.url}/readyz", timeout=10)
    finally:
        server.stop()


def test_readyz_is_503_naming_the_database_when_it_is_gone():
    response = readyz_of(DATABASE_URL="postgres://postgres@127.0.0.1:1/gone", DATABASE_POOL="false")

    assert response.status_code == 503
    assert response.json()["database"] != "ok"
    assert response.json()["status"] == "unavailable"


def test_readyz_is_503_naming_the_channel_layer_when_redis_is_gone():
    response = readyz_of(REDIS_URL="redis://127.0.0.1:1/0")

    assert response.status_code == 503
    assert response.json()["channelLayer"] != "ok"


def test_probes_are_not_in_the_access_log():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "hitl_project.serve", "-b", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        _wait_for_port(port, server, 30)
        for path in ("/healthz", "/readyz", "/api/schema/"):
            httpx.get(f"http://127.0.0.1:{port}{path}", timeout=10)
    finally:
        server.terminate()
        log, _ = server.communicate(timeout=20)

    assert "/api/schema/" in log
    assert "/healthz" not in log and "/readyz" not in log
