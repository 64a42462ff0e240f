"""The HTTP side of the ASGI app: the sync middleware chain and the view in one thread hop."""

from __future__ import annotations

import threading

import pytest
from asgiref.testing import ApplicationCommunicator

from hitl_project.asgi_handler import SyncChainASGIHandler

pytestmark = pytest.mark.django_db(transaction=True)


def scope(path: str, headers: list | None = None) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"localhost"), *(headers or [])],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def get(path: str, headers: list | None = None) -> tuple[int, dict, bytes]:
    app = ApplicationCommunicator(SyncChainASGIHandler(), scope(path, headers))
    await app.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await app.receive_output(timeout=10)
    body = b""
    while True:
        message = await app.receive_output(timeout=10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    return start["status"], dict(start["headers"]), body


async def test_a_page_is_served_with_every_middleware():
    status, headers, body = await get("/accounts/login/")

    assert status == 200
    assert b"Username" in body
    # Set by middlewares in the chain: clickjacking and security headers, the CSRF cookie.
    assert headers[b"X-Frame-Options"] == b"DENY"
    assert b"X-Content-Type-Options" in headers
    assert b"csrftoken" in headers.get(b"Set-Cookie", b"")


async def test_the_view_runs_off_the_event_loop(monkeypatch):
    from django.contrib.auth import views

    seen = []
    original = views.LoginView.dispatch

    def dispatch(self, request, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        seen.append(("view", threading.get_ident()))
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(views.LoginView, "dispatch", dispatch)
    status, _, _ = await get("/accounts/login/")

    assert status == 200
    assert len(seen) == 1
    assert seen[0][1] != threading.get_ident(), "the view ran off the event loop's thread"


async def test_an_api_error_is_json_and_logged(caplog):
    status, headers, body = await get("/api/v1/bots/nope/mod/hitlnext/handoffs")

    assert status in (401, 403)
    assert headers[b"Content-Type"].startswith(b"application/json")
    assert any(record.name == "django.request" for record in caplog.records)
