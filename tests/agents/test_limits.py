"""The rate limits' counter (agents/limits.py): its windows, its rates, and what it does when
its cache does not answer. The limits as callers meet them are in
tests/reliability/test_rate_limits.py; across processes through Redis in test_login_flood.py."""

from __future__ import annotations

import uuid

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from agents import limits

pytestmark = pytest.mark.limits


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("20/m", (20, 60)), ("30/10m", (30, 600)), ("5/h", (5, 3600)), ("1/2d", (1, 172800))],
)
def test_a_rate_is_a_count_per_period(rate, parsed):
    assert limits.parse_rate(rate) == parsed


def test_a_window_allows_its_count_then_says_how_long_to_wait(settings):
    settings.RATE_LIMITS = {"token_message": "3/m"}
    with time_machine.travel("2026-12-04 10:00:15Z", tick=False):
        assert [limits.wait_for("token_message", 7) for _ in range(3)] == [None] * 3
        assert limits.wait_for("token_message", 7) == 45
        # Another key counts apart.
        assert limits.wait_for("token_message", 8) is None
    with time_machine.travel("2026-12-04 10:01:00Z", tick=False):
        assert limits.wait_for("token_message", 7) is None


def test_a_cache_that_does_not_answer_lets_requests_through(settings, monkeypatch):
    settings.RATE_LIMITS = {"token_message": "1/m"}

    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(limits.caches[limits.CACHE], "add", down)
    assert [limits.wait_for("token_message", 7) for _ in range(3)] == [None] * 3


@pytest.mark.parametrize("rate", ["20 per minute", "5/0m"])
def test_a_mistyped_rate_stops_the_start(settings, rate):
    settings.RATE_LIMITS = {"token_message": rate}
    with pytest.raises(SystemCheckError, match="hitl.E010"):
        call_command("check")


def test_a_long_key_from_outside_is_counted_under_a_short_one(settings, monkeypatch):
    settings.RATE_LIMITS = {"password_reset_email": "1/h"}
    counted: list[str] = []
    original = limits._count

    def spy(key, period):
        counted.append(key)
        return original(key, period)

    monkeypatch.setattr(limits, "_count", spy)
    address = "a" * 100_000 + "@example.com"
    assert limits.wait_for("password_reset_email", address) is None
    assert limits.wait_for("password_reset_email", address) is not None
    assert len(counted[0]) < 100


@pytest.mark.redis
def test_every_counter_in_redis_expires(settings):
    settings.RATE_LIMITS = {"token_message": "5/m"}
    settings.CACHES = {
        **settings.CACHES,
        "limits": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": f"test-limits-{uuid.uuid4().hex}",
        },
    }
    counter = limits.caches[limits.CACHE]
    client = counter._cache.get_client(write=True)
    answers = [limits.wait_for("token_message", 7) for _ in range(6)]
    assert answers[:5] == [None] * 5
    assert answers[5] is not None
    keys = client.keys(f"{settings.CACHES['limits']['KEY_PREFIX']}*")
    assert len(keys) == 1
    assert int(client.get(keys[0])) == 6
    assert 0 < client.ttl(keys[0]) <= 61
    client.delete(*keys)
