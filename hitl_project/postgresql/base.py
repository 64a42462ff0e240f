"""Django's PostgreSQL backend, its connection pool checking connections at checkout without
a round trip for one that came back from a request a moment ago (HikariCP's
`aliveBypassWindowMs`, 500 ms by default): settings.DATABASE_POOL_CHECK_BYPASS seconds.

psycopg_pool's own check sends an empty query at every checkout: one more round trip to
PostgreSQL on every request (bench/README.md, "Ingest against the bare view"). A connection
that finished a request without a database error less than that ago was working then; one idle
for longer is checked, so a connection cut while idle (a restart, a proxy's timeout) is still
replaced before a request uses it. The price: when PostgreSQL restarts under load, every
pooled connection was back a moment ago, so up to one request per pooled connection
(DATABASE_POOL_MAX a process) fails with the usual 503 before the pool has replaced them.

Django hands psycopg_pool its own `check` and refuses a second one in OPTIONS["pool"], so this
backend builds the pool itself: Django 5.2's `pool` property with this check
(tests/test_clever_parts.py fails when Django's moves). DATABASE_POOL_CHECK_BYPASS=0 keeps
Django's own backend.
"""

from __future__ import annotations

from time import monotonic
from typing import Any
from weakref import WeakKeyDictionary

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql import base
from psycopg import Connection
from psycopg_pool import ConnectionPool

_returned_at: WeakKeyDictionary[Connection, float] = WeakKeyDictionary()


def check(conn: Connection) -> None:
    """The pool's `check` callback: raises if the connection no longer works."""
    since = _returned_at.pop(conn, None)
    if since is not None and monotonic() - since < settings.DATABASE_POOL_CHECK_BYPASS:
        return
    ConnectionPool.check_connection(conn)


# django-stubs do not declare the pool's internals this class builds on (Django 5.2's
# `_connection_pools`, `_configure_connection`, `_close`).
_PostgreSQLWrapper: Any = base.DatabaseWrapper


class DatabaseWrapper(_PostgreSQLWrapper):
    @property
    def pool(self) -> ConnectionPool | None:
        options: Any = self.settings_dict["OPTIONS"].get("pool")
        if self.alias == NO_DB_ALIAS or not options:
            return None
        if self.alias not in self._connection_pools:
            if self.settings_dict.get("CONN_MAX_AGE", 0) != 0:
                raise ImproperlyConfigured("Pooling doesn't support persistent connections.")
            pool = ConnectionPool(
                # Autocommit, as Django's own: it sets the mode it wants at each checkout.
                kwargs={**self.get_connection_params(), "autocommit": True},
                open=False,
                configure=self._configure_connection,
                # No `reset` callback: with one, psycopg_pool returns connections from a worker
                # thread, later, and may close the pool before one is back.
                check=check if self.settings_dict["CONN_HEALTH_CHECKS"] else None,
                **({} if options is True else options),
            )
            # setdefault: of two threads building a pool at once, the first one's is kept.
            self._connection_pools.setdefault(self.alias, pool)
        return self._connection_pools[self.alias]

    def _close(self) -> None:
        if self.connection is not None and self.pool and not self.errors_occurred:
            # Back from a request that used it without an error: the next checkout need not ask
            # the server.
            _returned_at[self.connection] = monotonic()
        super()._close()
