"""The WebSocket origin check: a socket opens only from a page of this site.

Channels' AllowedHostsOriginValidator compares the Origin's host with ALLOWED_HOSTS and ignores
its scheme and port, so a page on `http://hitl.example.com:8080` (another origin, maybe another
tenant's app) could open an agent's socket with the agent's cookies. This is the rule Django's
CSRF check applies to a form post instead: the Origin must be the request's own scheme and Host
(a Host in ALLOWED_HOSTS), or one of CSRF_TRUSTED_ORIGINS. Both sockets get it: the web chat's
is opened by `/chat/<bot_id>/`, a page of this site even inside a customer's iframe.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

logger = logging.getLogger(__name__)


class SameOriginValidator:
    """ASGI middleware for WebSocket scopes: refuses (403 before accept) any other origin."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        headers = _headers(scope)
        origin = headers.get("origin")
        if origin is not None and origin_allowed(
            origin=origin, host=headers.get("host", ""), secure=_secure(scope, headers)
        ):
            return await self.application(scope, receive, send)
        logger.warning(
            "WebSocket refused: origin %r is not this site (host %r)", origin, headers.get("host")
        )
        return await WebsocketDenier()(scope, receive, send)


def origin_allowed(*, origin: str, host: str, secure: bool) -> bool:
    """Django's CSRF origin rule: this request's scheme and Host, or a trusted origin."""
    origin = origin.lower()
    host = host.lower()
    domain, _ = split_domain_port(host)
    allowed_hosts = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed_hosts:
        allowed_hosts = [".localhost", "127.0.0.1", "[::1]"]
    own = f"{'https' if secure else 'http'}://{host}"
    if domain and validate_host(domain, allowed_hosts) and origin == own:
        return True
    trusted = [value.lower() for value in settings.CSRF_TRUSTED_ORIGINS]
    if origin in trusted:
        return True
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    # `https://*.example.com` in CSRF_TRUSTED_ORIGINS: any subdomain, on that scheme.
    return any(
        is_same_domain(parsed.netloc, urlsplit(pattern).netloc.replace("*", "", 1))
        for pattern in trusted
        if "*" in pattern and urlsplit(pattern).scheme == parsed.scheme
    )


def _headers(scope: dict[str, Any]) -> dict[str, str]:
    # The first of a repeated header, as Django reads them; latin-1 never fails to decode.
    found: dict[str, str] = {}
    for name, value in scope.get("headers") or []:
        found.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return found


def _secure(scope: dict[str, Any], headers: dict[str, str]) -> bool:
    """Like `request.is_secure()`: TLS here, or the proxy's header that says so."""
    if scope.get("scheme") in ("wss", "https"):
        return True
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if not proxy_header:
        return False
    name, expected = proxy_header
    name = name.removeprefix("HTTP_").replace("_", "-").lower()
    value = headers.get(name)
    return value is not None and value.split(",", 1)[0].strip() == expected
