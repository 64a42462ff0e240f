"""agents.sessions: Django's database sessions with their one read written out. It must read
exactly what Django's own engine reads, so that SESSION_ENGINE can move to it and back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from agents.sessions import SessionStore
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_the_project_uses_it():
    assert settings.SESSION_ENGINE == "agents.sessions"


def _saved(store_class, **data) -> str:
    store = store_class()
    store.update(data)
    store.save()
    return store.session_key


@pytest.mark.parametrize("writer", [DjangoStore, SessionStore])
@pytest.mark.parametrize("reader", [DjangoStore, SessionStore])
def test_a_session_reads_the_same_whichever_engine_wrote_it(writer, reader):
    key = _saved(writer, cart=[1, 2], name="Zoë")

    session = reader(key)

    assert dict(session.items()) == {"cart": [1, 2], "name": "Zoë"}
    assert session.session_key == key


@pytest.mark.parametrize(
    "key",
    ["an-unknown-key-of-forty-characters-000000", None, "short"],
    ids=["unknown", "none", "invalid"],
)
def test_an_unknown_key_is_an_empty_session_under_no_key_as_djangos(key):
    ours, theirs = SessionStore(key), DjangoStore(key)

    assert dict(ours.items()) == dict(theirs.items()) == {}
    assert ours.session_key is theirs.session_key is None


def test_an_expired_session_is_not_read():
    key = _saved(SessionStore, secret="kept")
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))

    session = SessionStore(key)

    assert dict(session.items()) == {}
    assert session.session_key is None
    assert dict(DjangoStore(key).items()) == {}


def test_a_signed_in_agent_reaches_their_pages():
    user = MembershipFactory().user
    client = Client()
    client.force_login(user)

    assert client.get("/workspace/").status_code == 200
    client.cookies["sessionid"] = "an-unknown-key-of-forty-characters-000000"
    assert client.get("/workspace/").status_code == 302


# --- session_user: who a socket's session signs in ------------------------------------------


def _signed_in_session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _fields(user) -> dict | None:
    if not user.is_authenticated:
        return None
    return {f.attname: getattr(user, f.attname) for f in type(user)._meta.concrete_fields}


def _changes():
    """Each makes the session's user, or the session itself, what a socket may meet."""

    def deactivate(user, key):
        user.is_active = False
        user.save()

    def change_password(user, key):
        user.set_password("another one 1")
        user.save()

    def delete(user, key):
        user.delete()

    def forget_backend(user, key):
        store = SessionStore(key)
        store["_auth_user_backend"] = "some.other.Backend"
        store.save()

    def anonymous(user, key):
        store = SessionStore(key)
        store.flush()

    return [None, deactivate, change_password, delete, forget_backend, anonymous]


@pytest.mark.parametrize("change", _changes(), ids=lambda c: c.__name__ if c else "as_is")
def test_session_user_signs_in_whom_channels_get_user_does(change):
    from channels.auth import get_user

    from agents.sessions import session_user

    user = MembershipFactory().user
    key = _signed_in_session(user)
    if change is not None:
        change(user, key)

    row = Session.objects.filter(session_key=key).first()
    ours = session_user(SessionStore(key))
    if row is not None:
        row.save()  # either may flush the session: the other reads it as it was
    theirs = get_user.func({"session": SessionStore(key)})

    assert _fields(ours) == _fields(theirs)
    assert type(ours) is type(theirs)


@pytest.mark.postgres
def test_on_postgresql_the_user_is_read_by_the_written_out_query(monkeypatch):
    import agents.sessions

    read = []
    original = agents.sessions._user_row
    monkeypatch.setattr(agents.sessions, "_user_row", lambda pk: read.append(pk) or original(pk))
    user = MembershipFactory().user

    found = agents.sessions.session_user(SessionStore(_signed_in_session(user)))

    assert read == [user.pk]
    assert _fields(found) == _fields(type(user).objects.get(pk=user.pk))


def test_a_session_from_before_a_password_change_is_flushed():
    from agents.sessions import session_user

    user = MembershipFactory().user
    key = _signed_in_session(user)
    user.set_password("another one 1")
    user.save()

    assert not session_user(SessionStore(key)).is_authenticated
    assert not Session.objects.filter(session_key=key).exists()
