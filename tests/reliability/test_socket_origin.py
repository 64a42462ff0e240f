"""Issue 19, item 5: a socket opens only from a page of this site, compared by scheme, host and
port (Django's CSRF origin rule), not by host alone."""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator

from hitl_project.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


async def opens(path: str, *, origin: str | None, host: str, scheme: str = "ws", **headers):
    """Whether the handshake is accepted (the workspace socket then closes an anonymous
    visitor with 4401; refused means a 403 before accept)."""
    sent = [(b"host", host.encode())]
    if origin is not None:
        sent.append((b"origin", origin.encode()))
    sent += [(name.encode(), value.encode()) for name, value in headers.items()]
    communicator = WebsocketCommunicator(application, path, headers=sent)
    communicator.scope["scheme"] = scheme
    connected, _ = await communicator.connect(timeout=5)
    await communicator.disconnect()
    return connected


@pytest.fixture(autouse=True)
def hosts(settings):
    # Channels' validator read ALLOWED_HOSTS when asgi.py was imported: these are the defaults.
    assert {"testserver", "localhost"} <= set(settings.ALLOWED_HOSTS)
    settings.CSRF_TRUSTED_ORIGINS = []


@pytest.mark.parametrize("path", ["/ws/workspace/", "/ws/chat/nobody/?token=x"])
async def test_the_sites_own_origin_opens(path):
    assert await opens(path, origin="http://testserver", host="testserver")
    assert await opens(path, origin="http://localhost:8000", host="localhost:8000")
    assert await opens(path, origin="https://testserver", host="testserver", scheme="wss")


@pytest.mark.parametrize("path", ["/ws/workspace/", "/ws/chat/nobody/?token=x"])
async def test_another_scheme_is_refused(path):
    assert not await opens(path, origin="https://testserver", host="testserver")
    assert not await opens(path, origin="http://testserver", host="testserver", scheme="wss")


@pytest.mark.parametrize("path", ["/ws/workspace/", "/ws/chat/nobody/?token=x"])
async def test_another_port_is_refused(path):
    assert not await opens(path, origin="http://testserver:8080", host="testserver")
    assert not await opens(path, origin="http://localhost:3000", host="localhost:8000")


async def test_another_host_no_origin_and_a_null_origin_are_refused():
    assert not await opens("/ws/workspace/", origin="http://evil.example", host="testserver")
    assert not await opens("/ws/workspace/", origin=None, host="testserver")
    assert not await opens("/ws/workspace/", origin="null", host="testserver")


async def test_a_host_outside_allowed_hosts_is_refused_even_from_its_own_origin():
    # DNS rebinding: the attacker's name pointed at this server.
    assert not await opens("/ws/workspace/", origin="http://evil.example", host="evil.example")


async def test_https_behind_a_tls_proxy_is_read_from_its_header(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = {"x-forwarded-proto": "https"}

    assert await opens("/ws/workspace/", origin="https://testserver", host="testserver", **proxied)
    assert not await opens("/ws/workspace/", origin="https://testserver", host="testserver")


async def test_a_trusted_origin_opens(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://hitl.example.com", "https://*.example.org"]

    assert await opens("/ws/workspace/", origin="https://hitl.example.com", host="localhost:8000")
    assert await opens("/ws/workspace/", origin="https://chat.example.org", host="localhost:8000")
    assert not await opens("/ws/workspace/", origin="http://chat.example.org", host="localhost")
