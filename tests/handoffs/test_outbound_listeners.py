"""Listeners on the committed event stream (how the bot connector hears that handoffs end)."""

from __future__ import annotations

import pytest
from django.db import transaction

from handoffs import outbound, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch):
    events: list = []
    monkeypatch.setattr(outbound, "_listeners", [events.append])
    return events


def test_a_listener_hears_every_committed_event(
    heard, conversation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.handoff_request(conversation=conversation)

    assert [e.type for e in heard] == ["handoff.created", "conversation.paused", "message.created"]


def test_a_rolled_back_change_is_not_heard(heard, conversation, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.handoff_request(conversation=conversation)
        raise RuntimeError("caller failed")

    assert heard == []


def test_a_failing_listener_does_not_stop_the_others(
    monkeypatch, conversation, django_capture_on_commit_callbacks
):
    heard: list = []

    def broken(event) -> None:
        raise RuntimeError("listener bug")

    monkeypatch.setattr(outbound, "_listeners", [broken, heard.append])

    with django_capture_on_commit_callbacks(execute=True):
        services.note_add(conversation=conversation, author=_member(conversation), text="hi")

    assert [e.type for e in heard] == ["note.created"]


def test_registering_twice_keeps_one(monkeypatch):
    monkeypatch.setattr(outbound, "_listeners", [])

    def listener(event) -> None:
        pass

    outbound.register_listener(listener)
    outbound.register_listener(listener)

    assert outbound._listeners == [listener]


def _member(conversation):
    from tests.factories import MembershipFactory

    return MembershipFactory(workspace=conversation.bot.workspace).user
