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

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connection, connections, router
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from .sql import column, columns, instance_from_row, table


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


def session_user(session: SessionBase) -> User | AnonymousUser:
    """Who a session signs in, by the rules of Channels' `get_user`: the user it names, if it
    names one of AUTHENTICATION_BACKENDS, the backend lets that account sign in and the
    session's hash of the password still matches (else anonymous; a session whose hash no
    longer matches is flushed, as Channels' is). Like Channels', and unlike Django's own, it
    does not accept a hash made with one of SECRET_KEY_FALLBACKS (none are set here).

    For a WebSocket's connect (hitl_project/socket_auth.py): with Django's ModelBackend the user
    is read by a written-out query on PostgreSQL, where the ORM spent more CPU building it than
    anything else a connect does (bench/README.md, "10,000 sockets")."""
    try:
        user_id = User._meta.pk.to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
    except KeyError:
        return AnonymousUser()
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return AnonymousUser()
    backend = load_backend(backend_path)
    user: User | None
    if type(backend) is ModelBackend and connection.vendor == "postgresql":
        user = _user_row(user_id)
        if user is not None and not backend.user_can_authenticate(user):
            user = None
    else:
        user = backend.get_user(user_id)
    if user is None:
        return AnonymousUser()
    session_hash = session.get(HASH_SESSION_KEY)
    if not (session_hash and constant_time_compare(session_hash, user.get_session_auth_hash())):
        session.flush()
        return AnonymousUser()
    return user


def _user_row(user_id: Any) -> User | None:
    """`User.objects.get(pk=user_id)`, written out."""
    with connection.cursor() as cursor:
        cursor.execute(_user_sql(), [user_id])
        row = cursor.fetchone()
    return None if row is None else instance_from_row(User, row)


@cache
def _user_sql() -> str:
    return f"SELECT {columns(User)} FROM {table(User)} WHERE {column(User, 'id')} = %s"
