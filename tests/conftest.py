from __future__ import annotations

import ipaddress

import pytest
from channels.testing import WebsocketCommunicator
from django.db import connection

from handoffs import services
from handoffs.models import Event
from handoffs.realtime.consumers import WorkspaceConsumer

from .factories import BotFactory, ConversationFactory, MembershipFactory, WorkspaceFactory


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = connection.vendor == "postgresql"
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL)")
    skip_redis = pytest.mark.skip(reason="needs Redis (REDIS_URL)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not settings.REDIS_URL:
            item.add_marker(skip_redis)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# The receivers tests start (pytest-httpserver, a fake Graph API) listen on this machine, which
# the outgoing guard refuses by default; tests/reliability/test_ssrf.py empties the list.
LOOPBACK_NETWORKS = "127.0.0.0/8,::1/128"


@pytest.fixture(autouse=True)
def outgoing_to_loopback_allowed(settings):
    settings.OUTGOING_ALLOWED_NETWORKS = [
        ipaddress.ip_network(network) for network in LOOPBACK_NETWORKS.split(",")
    ]


@pytest.fixture(autouse=True)
def rate_limits(request, settings):
    """Off, except for tests marked `limits`: there, on, with counters of their own (a fresh
    cache in this process), so no other test's requests count."""
    if "limits" not in request.keywords:
        settings.RATELIMIT_ENABLE = settings.AXES_ENABLED = False
        return
    settings.RATELIMIT_ENABLE = settings.AXES_ENABLED = True
    settings.CACHES = {
        **settings.CACHES,
        "limits": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"limits-{request.node.nodeid}",
        },
    }


@pytest.fixture(autouse=True)
def english_after_each_test():
    """A request in French or Spanish leaves that language active in the test's thread (Django's
    LocaleMiddleware sets it per request and never resets it): the next test starts in English."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def forget_cached_config():
    """Each test starts with no bot or token kept from the one before (same ids reused)."""
    from django.core.cache import caches

    caches["config"].clear()


@pytest.fixture
async def connect():
    """Open `/ws/workspace/` as a user; every socket opened is closed at the end."""
    opened: list[WebsocketCommunicator] = []

    async def open_socket(user, query: str = "") -> WebsocketCommunicator:
        path = "/ws/workspace/" + (f"?{query}" if query else "")
        communicator = WebsocketCommunicator(WorkspaceConsumer.as_asgi(), path)
        communicator.scope["user"] = user
        connected, _ = await communicator.connect()
        assert connected
        opened.append(communicator)
        return communicator

    yield open_socket
    for communicator in opened:
        await communicator.disconnect()


@pytest.fixture
def workspace():
    return WorkspaceFactory()


@pytest.fixture
def bot(workspace):
    return BotFactory(workspace=workspace)


@pytest.fixture
def agent(workspace):
    return MembershipFactory(workspace=workspace).user


@pytest.fixture
def other_agent(workspace):
    return MembershipFactory(workspace=workspace).user


@pytest.fixture
def admin(workspace):
    return MembershipFactory(workspace=workspace, role="admin", online=False).user


@pytest.fixture
def conversation(bot):
    return ConversationFactory(end_user__bot=bot)


@pytest.fixture
def pending_handoff(conversation):
    handoff, _ = services.handoff_request(conversation=conversation)
    return handoff


@pytest.fixture
def assigned_handoff(pending_handoff, agent):
    return services.handoff_assign(handoff=pending_handoff, agent=agent)


@pytest.fixture
def new_events():
    """Events of the shared stream written after this fixture ran, as `(type, payload)` tuples.

    Agents' private notification events are left out: tests/handoffs/test_notifications.py
    looks at those.
    """
    start = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def collect() -> list[tuple[str, dict]]:
        shared = Event.objects.filter(id__gt=start, recipient_id__isnull=True).order_by("id")
        return [(e.type, e.payload) for e in shared]

    return collect


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"
