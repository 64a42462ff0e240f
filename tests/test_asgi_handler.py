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


async def get(
    path: str,
    headers: list | None = None,
    *,
    handler: SyncChainASGIHandler | None = None,
    query_string: bytes = b"",
) -> tuple[int, dict, bytes]:
    request = {**scope(path, headers), "query_string": query_string}
    app = ApplicationCommunicator(handler or SyncChainASGIHandler(), request)
    await app.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await app.receive_output(timeout=10)
    body = b""
    while True:
        message = await app.receive_output(timeout=10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await app.wait(timeout=10)
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

    def dispatch(self, request, *args, **kwargs):
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


@pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous iterators")
async def test_a_streamed_response_is_closed_after_its_last_chunk():
    from django.core.signals import request_finished
    from django.http import StreamingHttpResponse

    events: list[tuple[str, threading.Thread]] = []

    def chunks():
        for n in range(3):
            events.append((f"chunk {n}", threading.current_thread()))
            yield f"part {n};".encode()

    class Streaming(SyncChainASGIHandler):
        def get_response(self, request):
            events.append(("view", threading.current_thread()))
            return StreamingHttpResponse(chunks())

    def finished(**kwargs) -> None:
        events.append(("finished", threading.current_thread()))

    request_finished.connect(finished)
    try:
        status, _, body = await get("/anything", handler=Streaming())
    finally:
        request_finished.disconnect(finished)

    assert status == 200
    assert body == b"part 0;part 1;part 2;"
    assert [name for name, _ in events] == ["view", "chunk 0", "chunk 1", "chunk 2", "finished"]
    view_thread = events[0][1]
    assert events[-1][1] is view_thread
    assert view_thread is not threading.current_thread()


async def test_an_undecodable_request_gets_400_and_the_request_signals():
    from django.core.signals import request_finished, request_started

    sent: list[str] = []

    def started(**kwargs) -> None:
        sent.append("started")

    def finished(**kwargs) -> None:
        sent.append("finished")

    request_started.connect(started)
    request_finished.connect(finished)
    try:
        status, _, _ = await get("/accounts/login/", query_string=b"q=\xff")
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)

    assert status == 400
    assert sent == ["started", "finished"]
