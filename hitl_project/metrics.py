"""`/metrics` for Prometheus, and the request latency it reports.

The endpoint sits in front of Django, as the health probes do (health.py): Prometheus scrapes
each process by its own address, a Host that ALLOWED_HOSTS would refuse. It answers a caller
that sends `Authorization: Bearer <METRICS_TOKEN>` when a token is set, or one whose address is
in METRICS_ALLOWED_IPS (loopback by default); anyone else gets 403. Behind a reverse proxy the
address is the proxy's unless it passes the client's (docker/nginx.conf keeps /metrics off the
public side altogether).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import time
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Histogram, generate_latest

PATH = "/metrics"

REQUEST_LATENCY = Histogram(
    "hitl_http_request_duration_seconds",
    "Time Django took to answer a request, by route",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetricsMiddleware:
    """Times each request by its URL pattern (`api/v1/bots/<slug:bot_id>/...`), never by its
    path: one series per route, whatever the ids."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        began = time.perf_counter()
        response = self.get_response(request)
        match = request.resolver_match
        route = match.route if match is not None else "unmatched"
        method = request.method if request.method in METHODS else "other"
        REQUEST_LATENCY.labels(method, route, f"{response.status_code // 100}xx").observe(
            time.perf_counter() - began
        )
        return response


def allowed(scope: dict[str, Any]) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        headers = dict(scope.get("headers") or [])
        sent = headers.get(b"authorization", b"").decode("latin-1")
        if hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return True
    client = scope.get("client")
    if not client:
        return False
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


def exposition() -> bytes:
    try:
        return generate_latest(REGISTRY)
    finally:
        # Back to the pool: the scrape's thread never keeps a connection.
        connection.close()


class MetricsEndpoint:
    """ASGI middleware answering PATH; everything else goes on to `app`."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        if not allowed(scope):
            status, content_type = 403, b"application/json"
            body = json.dumps(
                {"statusCode": 403, "code": "forbidden", "message": "Metrics need the token."}
            ).encode()
        else:
            status, content_type = 200, CONTENT_TYPE_LATEST.encode()
            body = await sync_to_async(exposition, thread_sensitive=False)()
        headers = [(b"content-type", content_type), (b"cache-control", b"no-store")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
