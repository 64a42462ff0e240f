"""The rate limits' counter (agents/limits.py): its windows, its rates, and what it does when
its cache does not answer. The limits as callers meet them are in
tests/reliability/test_rate_limits.py; across processes through Redis in test_login_flood.py."""

from __future__ import annotations

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


def test_a_mistyped_rate_stops_the_start(settings):
    settings.RATE_LIMITS = {"token_message": "20 per minute"}
    with pytest.raises(SystemCheckError, match="hitl.E010"):
        call_command("check")
