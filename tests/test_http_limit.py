"""A process runs at most HTTP_CONCURRENCY requests at once, on as many long-lived threads; the
rest wait their turn, and WebSockets are never held back."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.testing import ApplicationCommunicator

from hitl_project.http_limit import HttpConcurrencyLimit


class SlowApp:
    """Counts how many requests are inside at once; each waits until released."""

    def __init__(self) -> None:
        self.inside = 0
        self.most = 0
        self.release = asyncio.Event()

    async def __call__(self, scope, receive, send) -> None:
        self.inside += 1
        self.most = max(self.most, self.inside)
        await self.release.wait()
        self.inside -= 1
        await send({"type": "done", "path": scope.get("path")})


def request(path: str, *, bot: bool = False) -> dict:
    if not bot:
        return {"type": "http", "path": path}
    return {"type": "http", "path": f"/api{path}", "headers": [(b"authorization", b"Bearer k")]}


async def _call(app, scope: dict, sent: list) -> None:
    async def receive() -> dict:
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)


async def test_requests_beyond_the_limit_wait_and_all_are_served():
    inner = SlowApp()
    app = HttpConcurrencyLimit(inner, limit=3)
    sent: list = []
    # Bots and people both: each lane alone may take all threads but one.
    calls = [
        asyncio.create_task(_call(app, request(f"/{n}", bot=n % 2 == 0), sent)) for n in range(10)
    ]
    for _ in range(20):
        await asyncio.sleep(0)
    assert inner.inside == 3

    inner.release.set()
    await asyncio.wait_for(asyncio.gather(*calls), timeout=5)

    assert inner.most == 3
    assert sorted(m["path"].removeprefix("/api") for m in sent) == sorted(
        f"/{n}" for n in range(10)
    )


async def test_websockets_are_not_counted():
    inner = SlowApp()
    app = HttpConcurrencyLimit(inner, limit=1)
    calls = [
        asyncio.create_task(_call(app, {"type": "websocket", "path": f"/ws/{n}"}, []))
        for n in range(5)
    ]
    for _ in range(20):
        await asyncio.sleep(0)
    assert inner.inside == 5
    inner.release.set()
    await asyncio.wait_for(asyncio.gather(*calls), timeout=5)


async def test_zero_means_no_limit():
    inner = SlowApp()
    app = HttpConcurrencyLimit(inner, limit=0)
    calls = [asyncio.create_task(_call(app, {"type": "http"}, [])) for _ in range(12)]
    for _ in range(20):
        await asyncio.sleep(0)
    assert inner.inside == 12
    inner.release.set()
    await asyncio.wait_for(asyncio.gather(*calls), timeout=5)


@pytest.mark.django_db(transaction=True)
async def test_each_request_runs_on_one_of_a_few_long_lived_threads(monkeypatch):
    from django.contrib.auth import views
    from django.core.signals import request_finished, request_started

    from hitl_project.asgi_handler import SyncChainASGIHandler
    from tests.test_asgi_handler import scope

    seen: list[tuple[str, threading.Thread]] = []
    original = views.LoginView.dispatch

    def dispatch(self, request, *args, **kwargs):
        seen.append(("view", threading.current_thread()))
        return original(self, request, *args, **kwargs)

    def started(**kwargs) -> None:
        seen.append(("started", threading.current_thread()))

    def finished(**kwargs) -> None:
        seen.append(("finished", threading.current_thread()))

    monkeypatch.setattr(views.LoginView, "dispatch", dispatch)
    request_started.connect(started)
    request_finished.connect(finished)
    app = HttpConcurrencyLimit(SyncChainASGIHandler(), limit=2)
    try:
        for _ in range(6):
            communicator = ApplicationCommunicator(app, scope("/accounts/login/"))
            await communicator.send_input({"type": "http.request", "body": b""})
            assert (await communicator.receive_output(timeout=10))["status"] == 200
            await communicator.receive_output(timeout=10)
            await communicator.wait(timeout=10)
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)

    assert [kind for kind, _ in seen] == ["started", "view", "finished"] * 6
    # The request signals (which return the database connection) run on the view's thread.
    per_request = [seen[n : n + 3] for n in range(0, len(seen), 3)]
    assert all(len({thread for _, thread in request}) == 1 for request in per_request)
    threads = {thread for _, thread in seen}
    assert len(threads) <= 2
    assert threading.current_thread() not in threads


async def test_a_thread_still_busy_with_a_cancelled_request_is_not_handed_out():
    from asgiref.sync import sync_to_async

    release = threading.Event()
    ran: list[str] = []

    class BlockingApp:
        async def __call__(self, scope, receive, send) -> None:
            def view() -> None:
                if scope["path"] == "/slow":
                    release.wait(timeout=10)
                ran.append(scope["path"])

            await sync_to_async(view, thread_sensitive=True)()

    app = HttpConcurrencyLimit(BlockingApp(), limit=2)
    slow = asyncio.create_task(_call(app, {"type": "http", "path": "/slow"}, []))
    for _ in range(20):
        await asyncio.sleep(0)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    try:
        # The slow view still holds its thread: both requests run on the other one.
        for path in ("/a", "/b"):
            await asyncio.wait_for(_call(app, {"type": "http", "path": path}, []), timeout=5)
        assert ran == ["/a", "/b"]
    finally:
        release.set()


async def test_requests_at_once_each_have_a_thread_and_the_next_waits_for_one():
    from asgiref.sync import sync_to_async

    release = threading.Event()
    threads: dict[str, threading.Thread] = {}

    class BlockingApp:
        async def __call__(self, scope, receive, send) -> None:
            def view() -> None:
                threads[scope["path"]] = threading.current_thread()
                release.wait(timeout=10)

            await sync_to_async(view, thread_sensitive=True)()

    app = HttpConcurrencyLimit(BlockingApp(), limit=2)
    calls = [
        asyncio.create_task(_call(app, request(path, bot=path == "/a"), []))
        for path in ("/a", "/b", "/c")
    ]
    try:
        for _ in range(200):
            if len(threads) == 2:
                break
            await asyncio.sleep(0.01)
        assert set(threads) == {"/api/a", "/b"}
        assert threads["/api/a"] is not threads["/b"]
        assert threading.current_thread() not in threads.values()
    finally:
        release.set()
    await asyncio.wait_for(asyncio.gather(*calls), timeout=5)
    # The third ran once a thread was free, on one of the same two.
    assert threads["/c"] in (threads["/api/a"], threads["/b"])


async def test_people_never_take_every_thread_from_the_bots():
    inner = SlowApp()
    app = HttpConcurrencyLimit(inner, limit=4)
    pages = [
        asyncio.create_task(_call(app, {"type": "http", "path": "/workspace/b/"}, []))
        for _ in range(4)
    ]
    for _ in range(20):
        await asyncio.sleep(0)
    assert inner.inside == 3  # the fourth agent's page waits

    bot_call = {
        "type": "http",
        "path": "/api/v1/bots/b/mod/hitlnext/availability",
        "headers": [(b"authorization", b"Bearer key")],
    }
    bot = asyncio.create_task(_call(app, bot_call, []))
    for _ in range(20):
        await asyncio.sleep(0)

    assert inner.inside == 4  # the bot found the thread kept for it
    inner.release.set()
    await asyncio.wait_for(asyncio.gather(*pages, bot), timeout=5)


async def test_bots_never_take_every_thread_from_the_people():
    inner = SlowApp()
    app = HttpConcurrencyLimit(inner, limit=2)
    bot_call = {"type": "http", "path": "/api/x", "headers": [(b"authorization", b"Bearer k")]}
    bots = [asyncio.create_task(_call(app, dict(bot_call), [])) for _ in range(5)]
    for _ in range(20):
        await asyncio.sleep(0)
    assert inner.inside == 1

    page = asyncio.create_task(_call(app, {"type": "http", "path": "/workspace/"}, []))
    for _ in range(20):
        await asyncio.sleep(0)

    assert inner.inside == 2
    inner.release.set()
    await asyncio.wait_for(asyncio.gather(*bots, page), timeout=5)
