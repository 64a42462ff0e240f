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
