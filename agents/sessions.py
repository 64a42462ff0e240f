"""Django's database sessions, read with one written-out query.

Every page and every agent's socket loads its session. Django's `_get_session_from_db` asks
the ORM for the row, which spent about 0.3 ms of CPU building the query against 0.1 ms for the
round trip (bench/README.md, "10,000 sockets"). This engine is Django's own
(`django.contrib.sessions.backends.db`) with that one read written out: same table, same
encoding, same expiry rule, so switching SESSION_ENGINE to it or back keeps every session.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone

from .sql import column, table


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Any:
        key = self.session_key
        if key is None or (row := _live_row(self.model, key)) is None:
            # As Django's: a missing or expired session starts a new one under a new key.
            self._session_key = None
            return None
        return self.model(session_key=key, session_data=row[0], expire_date=row[1])


def _live_row(model: Any, key: str) -> tuple[str, datetime] | None:
    with connections[router.db_for_read(model)].cursor() as cursor:
        cursor.execute(_session_sql(), [key, timezone.now()])
        return cursor.fetchone()


@cache
def _session_sql() -> str:
    from django.contrib.sessions.models import Session

    return (
        f"SELECT {column(Session, 'session_data')}, {column(Session, 'expire_date')}"
        f" FROM {table(Session)}"
        f" WHERE {column(Session, 'session_key')} = %s AND {column(Session, 'expire_date')} > %s"
    )
