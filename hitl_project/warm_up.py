"""What a server process loads before it listens, so its first requests do not pay for it.

The first request after a start took 250-700 ms (issue 22; bench/README.md "The first
seconds"): it imported 75 modules (the channel layer's channels_redis, redis-py and msgpack, the
Redis cache backend), and the URLconf with every view and serializer behind it, DRF's
renderers and parsers, and the database pool's first connections were set up on it. Done
here, before the process listens (and before hitl_project/runtime_tuning.py freezes what is
loaded).
"""

from __future__ import annotations

import logging

from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connections
from django.urls import get_resolver

logger = logging.getLogger(__name__)


def warm_up() -> None:
    get_resolver().url_patterns  # noqa: B018  (imports every view, serializer and form)
    from rest_framework.settings import api_settings

    for name in (
        "DEFAULT_RENDERER_CLASSES",
        "DEFAULT_PARSER_CLASSES",
        "DEFAULT_AUTHENTICATION_CLASSES",
    ):
        getattr(api_settings, name)
    get_channel_layer()
    for alias in settings.CACHES:
        try:
            # The first use imports the backend's client library and connects.
            caches[alias].get("warm-up")
        except Exception:
            logger.warning("the %s cache is not reachable yet", alias, exc_info=True)
    try:
        # Opens the pool (its minimum of connections) now rather than on the first request.
        connections["default"].ensure_connection()
    except DatabaseError:
        # A database still starting is the readiness probe's business, not a reason not to
        # serve.
        logger.warning("the database is not reachable yet", exc_info=True)
    finally:
        connections["default"].close()
