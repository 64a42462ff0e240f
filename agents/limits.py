"""Rate limits, counted in the `limits` cache (Redis under the deployment's prefix when
REDIS_URL is set, so every process counts together; this process's memory otherwise) by
django-ratelimit's fixed windows. Each limit is a setting (`RATE_LIMITS`, README "Security");
an empty rate turns it off. A cache that does not answer lets requests through: an outage of
Redis must not lock every agent out."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_ratelimit.core import get_usage

from .errors import ApplicationError


class RateLimited(ApplicationError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, extra={"retryAfter": retry_after})
        self.retry_after = retry_after


def wait_for(limit: str, key: Any) -> int | None:
    """Count one use of `limit` by `key`: None while within the limit, else the seconds until
    its window ends."""
    rate = settings.RATE_LIMITS.get(limit)
    if not settings.RATELIMIT_ENABLE or not rate or key in (None, ""):
        return None
    usage = get_usage(
        None, group=f"hitl.{limit}", key=lambda group, request: str(key), rate=rate, increment=True
    )
    if usage is None or not usage["should_limit"]:
        return None
    return max(int(usage["time_left"]), 1)


def check(limit: str, key: Any, message: str = "Too many requests; try again later.") -> None:
    """Raise RateLimited (429, with the seconds to wait) when `key` is past `limit`."""
    seconds = wait_for(limit, key)
    if seconds is not None:
        raise RateLimited(message, retry_after=seconds)


def client_ip(request: Any) -> str:
    return request.META.get("REMOTE_ADDR") or ""
