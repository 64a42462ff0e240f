"""The pool checks a connection at checkout unless it came back from a request a moment ago
(hitl_project/postgresql): no round trip on a busy server, a cut idle connection replaced."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection, connections
from psycopg_pool import ConnectionPool

from hitl_project.postgresql import base

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def wrapper():
    """Django's connection over a pool of one, as the server's own."""
    wrapper = base.DatabaseWrapper(
        {**connection.settings_dict, "OPTIONS": {"pool": {"min_size": 1, "max_size": 1}}},
        alias="pool-test",
    )
    yield wrapper
    wrapper.close()
    wrapper.close_pool()


def one_request(wrapper) -> int:
    """What a request does with its connection: check it out, query, give it back."""
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    wrapper.close()
    return pid


@pytest.fixture
def checks(monkeypatch):
    """The connections psycopg_pool's round-trip check was run on."""
    sent = []
    real = ConnectionPool.check_connection
    monkeypatch.setattr(
        ConnectionPool, "check_connection", staticmethod(lambda c: sent.append(c) or real(c))
    )
    return sent


def test_the_servers_connection_uses_this_backend():
    assert isinstance(connections["default"], base.DatabaseWrapper)


def test_a_connection_just_back_from_a_request_is_not_checked_again(wrapper, checks):
    first = one_request(wrapper)  # a new connection's first checkout is checked
    checks.clear()
    assert [one_request(wrapper) for _ in range(3)] == [first] * 3
    assert checks == []


def test_an_idle_connection_is_checked_and_replaced_when_cut(wrapper, checks, monkeypatch):
    pid = one_request(wrapper)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    later = base.monotonic() + settings.DATABASE_POOL_CHECK_BYPASS + 1
    monkeypatch.setattr(base, "monotonic", lambda: later)
    assert one_request(wrapper) != pid
    assert checks  # the round trip found the cut connection
