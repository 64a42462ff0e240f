"""Abandoned handoffs go back to the queue: the agent went offline, or never answered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from agents.models import Membership
from handoffs import services
from handoffs.models import Handoff, Note, Notification
from handoffs.services.abandoned import handoffs_requeue_abandoned

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def set_bot(bot, **fields) -> None:
    for name, value in fields.items():
        setattr(bot, name, value)
    bot.save()


def test_an_offline_agents_handoff_returns_to_the_queue(clock, bot, agent, assigned_handoff):
    set_bot(bot, offline_requeue_after=timedelta(minutes=5))
    Membership.objects.filter(user=agent).update(online=False, last_seen_at=START)
    clock.shift(timedelta(minutes=6))

    assert handoffs_requeue_abandoned() == 1

    assigned_handoff.refresh_from_db()
    assert assigned_handoff.status == Handoff.Status.PENDING
    assert assigned_handoff.agent is None
    note = Note.objects.get(handoff=assigned_handoff)
    assert note.author is None
    assert "went offline" in note.text
    assert Notification.objects.filter(
        handoff=assigned_handoff, kind=Notification.Kind.HANDOFF_REQUEUED
    ).exists()


def test_presence_timeout_then_sweep_requeues(clock, bot, agent, assigned_handoff):
    """The whole path: the sweep takes the silent agent offline, then requeues their handoff."""
    set_bot(bot, agent_session_timeout=timedelta(minutes=10), offline_requeue_after=timedelta(0))
    Membership.objects.filter(user=agent).update(last_seen_at=START)
    clock.shift(timedelta(minutes=11))

    call_command("sweep", "--once")

    assert Membership.objects.get(user=agent).online is False
    assigned_handoff.refresh_from_db()
    assert assigned_handoff.status == Handoff.Status.PENDING


def test_an_offline_agent_still_working_on_the_api_keeps_the_handoff(
    clock, bot, agent, assigned_handoff
):
    set_bot(bot, offline_requeue_after=timedelta(minutes=5))
    Membership.objects.filter(user=agent).update(online=False)
    clock.shift(timedelta(minutes=6))
    services.agent_touch(user=agent)

    assert handoffs_requeue_abandoned() == 0
    assigned_handoff.refresh_from_db()
    assert assigned_handoff.status == Handoff.Status.ASSIGNED


def test_off_by_default(clock, bot, agent, assigned_handoff):
    Membership.objects.filter(user=agent).update(online=False, last_seen_at=START)
    clock.shift(timedelta(days=1))

    assert handoffs_requeue_abandoned() == 0
    assigned_handoff.refresh_from_db()
    assert assigned_handoff.status == Handoff.Status.ASSIGNED


def test_no_first_response_within_the_limit_requeues(clock, bot, assigned_handoff):
    set_bot(bot, first_response_limit=timedelta(minutes=2))
    clock.shift(timedelta(minutes=3))

    assert handoffs_requeue_abandoned() == 1

    assigned_handoff.refresh_from_db()
    assert assigned_handoff.status == Handoff.Status.PENDING
    assert "did not answer within 2 min" in Note.objects.get(handoff=assigned_handoff).text


def test_an_answer_in_time_keeps_the_handoff(clock, bot, agent, assigned_handoff):
    set_bot(bot, first_response_limit=timedelta(minutes=2))
    clock.shift(timedelta(minutes=1))
    services.message_send_agent(
        conversation=assigned_handoff.conversation, agent=agent, text="Hello!"
    )
    clock.shift(timedelta(minutes=5))

    assert handoffs_requeue_abandoned() == 0
    assigned_handoff.refresh_from_db()
    assert assigned_handoff.status == Handoff.Status.ASSIGNED


def test_not_too_early(clock, bot, assigned_handoff):
    set_bot(bot, first_response_limit=timedelta(minutes=2))
    clock.shift(timedelta(seconds=90))

    assert handoffs_requeue_abandoned() == 0


def test_with_auto_assignment_it_goes_to_another_agent(
    clock, bot, agent, other_agent, assigned_handoff
):
    set_bot(bot, auto_assign=True, offline_requeue_after=timedelta(minutes=5))
    Membership.objects.filter(user=agent).update(online=False, last_seen_at=START)
    clock.shift(timedelta(minutes=6))

    handoffs_requeue_abandoned()

    assigned_handoff.refresh_from_db()
    assert assigned_handoff.status == Handoff.Status.ASSIGNED
    assert assigned_handoff.agent == other_agent


def test_requeued_once_by_two_passes(clock, bot, agent, assigned_handoff, new_events):
    set_bot(bot, offline_requeue_after=timedelta(minutes=5))
    Membership.objects.filter(user=agent).update(online=False, last_seen_at=START)
    clock.shift(timedelta(minutes=6))

    assert handoffs_requeue_abandoned() + handoffs_requeue_abandoned() == 1
    types = [t for t, _ in new_events()]
    assert types.count("note.created") == 1
    assert "handoff.updated" in types
