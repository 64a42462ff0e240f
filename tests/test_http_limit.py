"""A process runs at most HTTP_CONCURRENCY requests at once; the rest wait their turn, and
WebSockets are never held back."""

from __future__ import annotations

import asyncio

from hitl_project.http_limit import HttpConcurrencyLimit


class SlowApp:
    """Counts how many requests are inside at once; each waits until released."""

    def __init__(self) -> None:
        self.inside = 0
        self.most = 0
        self.release = asyncio.Event()

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        self.inside += 1
        self.most = max(self.most, self.inside)
        await self.release.wait()
        self.inside -= 1
        await send({"type": "done", "path": scope.get("path")})


async def _call(app, scope: dict, sent: list) -> None:  # noqa: ANN001
    async def receive() -> dict:
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)


async def test_requests_beyond_the_limit_wait_and_all_are_served():
    inner = SlowApp()
    app = HttpConcurrencyLimit(inner, limit=3)
    sent: list = []
    calls = [
        asyncio.create_task(_call(app, {"type": "http", "path": f"/{n}"}, sent)) for n in range(10)
    ]
    for _ in range(20):
        await asyncio.sleep(0)
    assert inner.inside == 3

    inner.release.set()
    await asyncio.wait_for(asyncio.gather(*calls), timeout=5)

    assert inner.most == 3
    assert sorted(m["path"] for m in sent) == sorted(f"/{n}" for n in range(10))


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
