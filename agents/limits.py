"""Rate limits, counted in fixed windows in the `limits` cache (Redis under the deployment's
prefix when REDIS_URL is set, so every process counts together; this process's memory
otherwise). Each limit is a setting (`RATE_LIMITS`, README "Security"); an empty rate turns it
off. A cache that does not answer lets requests through: an outage of Redis must not lock every
agent out.

Counted here, not by django-ratelimit: its count was an `add`, then Django's Redis `incr`,
which asks EXISTS before INCR, three round trips to Redis for every message a bot posts; here
one pipeline (INCR, EXPIRE) does it (bench/README.md, "Ingest")."""

from __future__ import annotations

import hashlib
import logging
import re
import time
from functools import cache
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from .errors import ApplicationError

logger = logging.getLogger(__name__)

CACHE = "limits"
_RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class RateLimited(ApplicationError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, extra={"retryAfter": retry_after})
        self.retry_after = retry_after


@cache
def parse_rate(rate: str) -> tuple[int, int]:
    """Uses allowed and the window in seconds: "30/10m" is (30, 600)."""
    match = _RATE.match(rate.strip())
    if match is None:
        raise ImproperlyConfigured(f"A rate is <count>/<period>, e.g. 30/m or 5/10m: {rate!r}")
    count, multiple, unit = match.groups()
    if multiple and int(multiple) == 0:
        raise ImproperlyConfigured(f"A rate's period cannot be zero: {rate!r}")
    return int(count), _SECONDS[unit] * int(multiple or 1)


def wait_for(limit: str, key: Any) -> int | None:
    """Count one use of `limit` by `key`: None while within the limit, else the seconds until
    its window ends."""
    rate = settings.RATE_LIMITS.get(limit)
    if not settings.RATELIMIT_ENABLE or not rate or key in (None, ""):
        return None
    allowed, period = parse_rate(rate)
    now = time.time()
    window = int(now // period)
    # Hashed: a key may come from outside (an address typed in a form, a visitor's id), and
    # its length must not become the counter's.
    digest = hashlib.blake2b(str(key).encode(), digest_size=16).hexdigest()
    used = _count(f"hitl.{limit}:{period}:{digest}:{window}", period)
    if used is None or used <= allowed:
        return None
    return max(int((window + 1) * period - now), 1)


def _count(key: str, period: int) -> int | None:
    """This window's uses of `key`, this one included; None when the cache does not answer."""
    counter = caches[CACHE]
    # The key outlives its window by a second: a use at the window's last instant still counts.
    ttl = period + 1
    try:
        if isinstance(counter, RedisCache):
            key = counter.make_and_validate_key(key)
            # Django's RedisCache has no "increment, creating with a lifetime"; its client
            # (`_cache`, private but stable since Django 4.0) gives the redis-py connection.
            # The window is in the key; the lifetime only clears it away, so it is set at every
            # use: an INCR on a key that had just expired still leaves one that expires.
            pipeline = counter._cache.get_client(key, write=True).pipeline(transaction=False)
            pipeline.incr(key)
            pipeline.expire(key, ttl)
            return int(pipeline.execute()[0])
        counter.add(key, 0, ttl)
        return counter.incr(key)
    except ValueError:
        # The local counter expired between add and incr: this use is the window's first.
        return 1
    except Exception:
        logger.warning("rate limit not counted: the %r cache did not answer", CACHE, exc_info=True)
        return None


def check(limit: str, key: Any, message: str = "Too many requests; try again later.") -> None:
    """Raise RateLimited (429, with the seconds to wait) when `key` is past `limit`."""
    seconds = wait_for(limit, key)
    if seconds is not None:
        raise RateLimited(message, retry_after=seconds)


def client_ip(request: Any) -> str:
    return request.META.get("REMOTE_ADDR") or ""


@register(Tags.security)
def check_rates(**kwargs: Any) -> list[CheckMessage]:
    """A mistyped rate stops the start (`manage.py check`), not the first request it limits."""
    problems: list[CheckMessage] = []
    for limit, rate in settings.RATE_LIMITS.items():
        try:
            if rate:
                parse_rate(rate)
        except ImproperlyConfigured as error:
            problems.append(Error(f"RATE_LIMITS[{limit!r}]: {error}", id="hitl.E010"))
    return problems
