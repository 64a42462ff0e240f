"""`/healthz` and `/readyz` for load balancers and orchestrators, answered before Django.

In front of Django on purpose: a probe carries whatever Host header the balancer sends (no
ALLOWED_HOSTS check), over plain HTTP behind TLS termination (no SSL redirect), and must not
wait for a request thread behind busy views. `/healthz`: the process answers. `/readyz`: the
database and the channel layer answer within READY_TIMEOUT seconds; 503 otherwise, naming what
did not. Neither is logged by the server's access log (hitl_project/serve.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

PROBES = ("/healthz", "/readyz")
READY_TIMEOUT = 1.0


def _database_answers() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        # Back to the pool: a probe thread never keeps a connection.
        connection.close()


async def _channel_layer_answers() -> None:
    if not settings.REDIS_URL:
        return  # the in-memory layer lives in this process
    import redis.asyncio as redis

    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=READY_TIMEOUT, socket_connect_timeout=READY_TIMEOUT
    )
    try:
        await client.ping()
    finally:
        await client.aclose()


async def _check(name: str, check: Any) -> tuple[str, str]:
    try:
        await asyncio.wait_for(check, READY_TIMEOUT)
    except TimeoutError:
        return name, f"no answer within {READY_TIMEOUT:g} s"
    except Exception as error:  # what the probe reports is the point; never a 500
        return name, type(error).__name__
    return name, "ok"


async def readiness() -> tuple[int, dict[str, str]]:
    results = dict(
        await asyncio.gather(
            _check("database", sync_to_async(_database_answers, thread_sensitive=False)()),
            _check("channelLayer", _channel_layer_answers()),
        )
    )
    ready = all(result == "ok" for result in results.values())
    if not ready:
        logger.warning("not ready: %s", results)
    return (200 if ready else 503), {"status": "ok" if ready else "unavailable", **results}


class HealthProbes:
    """ASGI middleware answering the probe paths; everything else goes on to `app`."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] not in PROBES:
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/healthz":
            status, body = 200, {"status": "ok"}
        else:
            status, body = await readiness()
        payload = json.dumps(body).encode()
        headers = [(b"content-type", b"application/json"), (b"cache-control", b"no-store")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
