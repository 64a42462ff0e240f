"""SLA: handoffs near or past their targets are marked, and a breach is announced once (event,
webhook, notification) and counted in reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from handoffs import services
from handoffs.models import Delivery, Notification, SlaBreach, WebhookEndpoint
from handoffs.reports import handoff_report
from handoffs.representations import HandoffRepresentation
from handoffs.services.sla import handoffs_check_sla

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def sla_bot(bot):
    bot.sla_first_response = timedelta(minutes=10)
    bot.sla_resolution = timedelta(hours=1)
    bot.save()
    return bot


def sla_of(handoff):
    handoff.refresh_from_db()
    return HandoffRepresentation(handoff).data.get("sla", "absent")


def test_no_marker_without_targets(clock, pending_handoff):
    assert sla_of(pending_handoff) == "absent"


def test_ok_then_near_then_breached(clock, sla_bot, pending_handoff):
    assert sla_of(pending_handoff)["state"] == "ok"
    clock.shift(timedelta(minutes=8))
    marker = sla_of(pending_handoff)
    assert marker["state"] == "near"
    assert marker["target"] == "firstResponse"
    assert marker["due_at"] == "2026-03-02T10:10:00Z"
    clock.shift(timedelta(minutes=3))
    assert sla_of(pending_handoff)["state"] == "breached"


def test_after_the_first_response_the_resolution_target_runs(
    clock, sla_bot, agent, assigned_handoff
):
    services.message_send_agent(conversation=assigned_handoff.conversation, agent=agent, text="Hi")
    clock.shift(timedelta(minutes=30))
    marker = sla_of(assigned_handoff)
    assert marker["target"] == "resolution"
    assert marker["state"] == "ok"


def test_a_closed_handoff_has_no_running_target(clock, sla_bot, agent, assigned_handoff):
    services.handoff_resolve(handoff=assigned_handoff, actor=agent)
    assert sla_of(assigned_handoff) is None


def test_a_breach_is_announced_once(clock, sla_bot, agent, pending_handoff, new_events):
    clock.shift(timedelta(minutes=11))

    assert handoffs_check_sla() == 1
    assert handoffs_check_sla() == 0

    breaches = [p for t, p in new_events() if t == "handoff.sla_breached"]
    assert len(breaches) == 1
    assert breaches[0]["id"] == pending_handoff.pk
    assert breaches[0]["slaBreach"] == {"target": "firstResponse", "targetSeconds": 600}
    notified = Notification.objects.filter(
        handoff=pending_handoff, kind=Notification.Kind.SLA_WARNING
    )
    assert set(notified.values_list("recipient_id", flat=True)) == {agent.pk}


def test_each_target_breaches_once(clock, sla_bot, pending_handoff):
    clock.shift(timedelta(hours=2))
    assert handoffs_check_sla() == 2
    clock.shift(timedelta(hours=2))
    assert handoffs_check_sla() == 0
    assert set(SlaBreach.objects.values_list("target", flat=True)) == {
        "first_response",
        "resolution",
    }


def test_a_late_first_response_is_a_breach_at_once(clock, sla_bot, agent, assigned_handoff):
    clock.shift(timedelta(minutes=12))
    services.message_send_agent(conversation=assigned_handoff.conversation, agent=agent, text="Hi")

    assert SlaBreach.objects.filter(handoff=assigned_handoff, target="first_response").exists()
    assert handoffs_check_sla() == 0


def test_an_answer_in_time_is_no_breach(clock, sla_bot, agent, assigned_handoff):
    clock.shift(timedelta(minutes=5))
    services.message_send_agent(conversation=assigned_handoff.conversation, agent=agent, text="Hi")
    clock.shift(timedelta(minutes=10))

    assert handoffs_check_sla() == 0


def test_the_breach_goes_to_webhooks_through_the_outbox(clock, sla_bot, workspace, pending_handoff):
    endpoint = WebhookEndpoint.objects.create(
        workspace=workspace, url="http://127.0.0.1:9/hook", event_types=["handoff.sla_breached"]
    )
    clock.shift(timedelta(minutes=11))

    handoffs_check_sla()

    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.event is not None
    assert delivery.event.type == "handoff.sla_breached"


def test_reports_count_breaches(clock, sla_bot, pending_handoff):
    clock.shift(timedelta(hours=2))
    handoffs_check_sla()

    report = handoff_report(bot=sla_bot, start=START.date(), end=START.date())

    assert report["sla_breaches"] == {"first_response": 1, "resolution": 1}


def test_near_a_target_notifies_once_without_a_webhook_event(
    clock, sla_bot, agent, pending_handoff, new_events
):
    clock.shift(timedelta(minutes=9))

    assert handoffs_check_sla() == 0  # no breach yet
    handoffs_check_sla()

    notified = Notification.objects.filter(
        handoff=pending_handoff, kind=Notification.Kind.SLA_WARNING
    )
    name = pending_handoff.conversation.end_user.display_name
    assert list(notified.values_list("level", "message")) == [
        ("warning", f"SLA: the first response target of {name}'s handoff is near.")
    ]
    assert "handoff.sla_breached" not in [t for t, _ in new_events()]


def test_near_then_breached_notifies_twice(clock, sla_bot, agent, pending_handoff):
    clock.shift(timedelta(minutes=9))
    handoffs_check_sla()
    clock.shift(timedelta(minutes=2))
    handoffs_check_sla()

    levels = Notification.objects.filter(
        handoff=pending_handoff, kind=Notification.Kind.SLA_WARNING
    ).values_list("level", flat=True)
    assert sorted(levels) == ["error", "warning"]
