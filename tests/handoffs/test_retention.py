"""The prune: what is past its retention goes, in batches; what is recent, open, or still
needed by replay or a webhook stays."""

from __future__ import annotations

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from agents.models import Membership, SocketLease
from handoffs import services
from handoffs.models import (
    Conversation,
    Delivery,
    Event,
    Handoff,
    Message,
    Note,
    Notification,
    WebhookEndpoint,
    WorkerPass,
)
from handoffs.realtime.replay import REPLAY_WINDOW
from handoffs.services import retention
from tests.factories import BotFactory, ConversationFactory

pytestmark = pytest.mark.django_db


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


def event(bot, *, age_days: float, type: str = "user.updated") -> Event:
    written = services.event_emit(bot=bot, type=type, resource="user", payload={"id": 1})
    Event.objects.filter(pk=written.pk).update(created_at=days_ago(age_days))
    return written


def exists(row) -> bool:
    return type(row).objects.filter(pk=row.pk).exists()


# Outbox events


def test_events_past_the_retention_go_and_recent_ones_stay(bot, settings):
    settings.HITL = {**settings.HITL, "RETENTION_EVENT_DAYS": 30}
    old, recent = event(bot, age_days=31), event(bot, age_days=29)

    deleted = services.prune()

    assert not exists(old)
    assert exists(recent)
    assert deleted["events"] == 1


def test_events_inside_the_replay_window_stay_whatever_the_retention(bot, settings):
    settings.HITL = {**settings.HITL, "RETENTION_EVENT_DAYS": 1}
    window = REPLAY_WINDOW / timedelta(days=1)
    outside, inside = event(bot, age_days=window + 1), event(bot, age_days=window - 1)

    services.prune()

    assert exists(inside)
    assert not exists(outside)


def test_an_event_a_webhook_still_waits_for_stays(bot, workspace):
    WebhookEndpoint.objects.create(workspace=workspace, url="https://hooks.example.com/")
    waited_for, delivered = event(bot, age_days=400), event(bot, age_days=400)
    Delivery.objects.filter(event=delivered).update(
        status=Delivery.Status.DELIVERED, delivered_at=timezone.now()
    )

    services.prune()

    assert exists(waited_for)
    assert Delivery.objects.filter(event=waited_for, status="pending").exists()
    assert not exists(delivered)
    assert not Delivery.objects.filter(event_id=delivered.pk).exists()


def test_events_go_in_batches(bot, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 2)
    old = [event(bot, age_days=100) for _ in range(5)]

    steps = [step for step in services.prune_steps() if step[0] == "events"]

    assert steps == [("events", 2), ("events", 2), ("events", 1)]
    assert not Event.objects.filter(pk__in=[e.pk for e in old]).exists()


# Webhook deliveries, notifications, sessions, socket leases


def test_delivered_webhooks_past_the_retention_go_pending_ones_stay(bot, workspace, settings):
    settings.HITL = {**settings.HITL, "RETENTION_DELIVERY_DAYS": 7}
    WebhookEndpoint.objects.create(workspace=workspace, url="https://hooks.example.com/")
    old_delivered, recent_delivered, pending = (event(bot, age_days=1) for _ in range(3))
    Delivery.objects.filter(event=old_delivered).update(
        status="delivered", delivered_at=days_ago(8)
    )
    Delivery.objects.filter(event=recent_delivered).update(
        status="delivered", delivered_at=days_ago(6)
    )

    deleted = services.prune()

    left = set(Delivery.objects.values_list("event_id", flat=True))
    assert left == {recent_delivered.pk, pending.pk}
    assert deleted["webhook deliveries"] == 1
    assert exists(old_delivered)  # the event itself is young


def test_read_notifications_past_the_retention_go_unread_ones_stay(workspace, bot, agent, settings):
    settings.HITL = {**settings.HITL, "RETENTION_NOTIFICATION_DAYS": 30}
    old_read, recent_read, unread = (
        services.notification_create_custom(bot=bot, message=f"n{n}")[0] for n in range(3)
    )
    Notification.objects.filter(pk=old_read.pk).update(read_at=days_ago(31))
    Notification.objects.filter(pk=recent_read.pk).update(read_at=days_ago(29))
    Notification.objects.filter(pk=unread.pk).update(created_at=days_ago(400))

    services.prune()

    assert set(Notification.objects.values_list("pk", flat=True)) == {recent_read.pk, unread.pk}


def test_expired_sessions_go(client, agent):
    client.force_login(agent)
    live = Session.objects.get()
    Session.objects.create(
        session_key="x" * 32, session_data="", expire_date=timezone.now() - timedelta(seconds=1)
    )

    deleted = services.prune()

    assert list(Session.objects.all()) == [live]
    assert deleted["sessions"] == 1


def test_a_dead_process_leases_go_and_its_agent_counts_as_gone(agent):
    lease_id, _ = services.agent_socket_opened(user=agent, process="dead")
    SocketLease.objects.filter(pk=lease_id).update(renewed_at=days_ago(1))

    deleted = services.prune()

    assert not SocketLease.objects.exists()
    assert deleted["socket leases"] == 1
    assert Membership.objects.get(user=agent).sockets_closed_at is not None


# Conversations of a bot with a retention


@pytest.fixture
def kept_30_days(bot):
    bot.conversation_retention_days = 30
    bot.save()
    return bot


def silent_since(conversation: Conversation, days: float) -> Conversation:
    """Ages a conversation and everything in it."""
    moment = days_ago(days)
    Conversation.objects.filter(pk=conversation.pk).update(
        created_at=moment, last_message_at=moment
    )
    Handoff.objects.filter(conversation=conversation).update(updated_at=moment)
    Note.objects.filter(conversation=conversation).update(created_at=moment)
    return conversation


def resolved_conversation(bot, agent) -> Conversation:
    conversation = ConversationFactory(end_user__bot=bot)
    services.message_ingest(
        bot=bot, channel="web", user_id=conversation.end_user.external_id, text="help"
    )
    handoff, _ = services.handoff_request(conversation=conversation)
    services.handoff_assign(handoff=handoff, agent=agent)
    services.note_add(conversation=conversation, author=agent, text="VIP")
    services.handoff_resolve(handoff=handoff, actor=agent)
    return conversation


def test_a_closed_conversation_past_the_retention_goes_with_everything_in_it(
    kept_30_days, agent, new_events
):
    conversation = silent_since(resolved_conversation(kept_30_days, agent), 31)
    handoff_ids = list(Handoff.objects.filter(conversation=conversation).values_list("pk"))
    assert Notification.objects.filter(conversation=conversation).exists()

    deleted = services.prune()

    assert not exists(conversation)
    assert not Message.objects.filter(conversation_id=conversation.pk).exists()
    assert not Note.objects.filter(conversation_id=conversation.pk).exists()
    assert not Handoff.objects.filter(conversation_id=conversation.pk).exists()
    assert not Notification.objects.filter(conversation_id=conversation.pk).exists()
    assert deleted["conversations"] == 1
    assert deleted["messages"] >= 1
    assert ("conversation.deleted", conversation.pk) in [
        (type, payload["id"]) for type, payload in new_events()
    ]
    assert handoff_ids


def test_a_recent_conversation_stays(kept_30_days, agent):
    conversation = silent_since(resolved_conversation(kept_30_days, agent), 29)

    services.prune()

    assert exists(conversation)


def test_a_conversation_with_an_open_handoff_stays(kept_30_days):
    conversation = ConversationFactory(end_user__bot=kept_30_days)
    services.handoff_request(conversation=conversation)
    silent_since(conversation, 100)
    Conversation.objects.filter(pk=conversation.pk).update(paused=False)

    services.prune()

    assert exists(conversation)


def test_a_conversation_paused_by_hand_stays(kept_30_days):
    conversation = ConversationFactory(end_user__bot=kept_30_days)
    services.conversation_pause(conversation=conversation)
    silent_since(conversation, 100)

    services.prune()

    assert exists(conversation)


def test_a_recent_note_keeps_an_old_conversation(kept_30_days, agent):
    conversation = silent_since(resolved_conversation(kept_30_days, agent), 100)
    services.note_add(conversation=conversation, author=agent, text="still on it")

    services.prune()

    assert exists(conversation)


def test_a_bot_without_retention_keeps_everything(bot, agent):
    conversation = silent_since(resolved_conversation(bot, agent), 10_000)
    messages = Message.objects.filter(conversation=conversation).count()

    services.prune()

    assert exists(conversation)
    assert Message.objects.filter(conversation=conversation).count() == messages


def test_another_bots_retention_does_not_reach_this_bot(kept_30_days, agent):
    other = BotFactory(workspace=kept_30_days.workspace)
    conversation = silent_since(resolved_conversation(other, agent), 100)

    services.prune()

    assert exists(conversation)


def test_conversations_go_in_batches(kept_30_days, agent, monkeypatch):
    monkeypatch.setattr(retention, "CONVERSATION_BATCH", 2)
    conversations = [silent_since(resolved_conversation(kept_30_days, agent), 40) for _ in range(3)]

    steps = [step for step in services.prune_steps() if step[0] == "conversations"]

    assert steps == [("conversations", 2), ("conversations", 1)]
    assert not Conversation.objects.filter(pk__in=[c.pk for c in conversations]).exists()


# The commands


def test_prune_prints_what_it_deleted(bot):
    event(bot, age_days=400)
    out = StringIO()

    call_command("prune", stdout=out)

    assert "1 events" in out.getvalue()
    assert "0 conversations" in out.getvalue()


def test_the_sweep_prunes_once_a_day(bot):
    first = event(bot, age_days=400)
    call_command("sweep", "--once", stdout=StringIO())
    second = event(bot, age_days=400)

    call_command("sweep", "--once", stdout=StringIO())

    assert not exists(first)
    assert exists(second)  # tomorrow's
    assert WorkerPass.objects.get(name="prune").passes == 1


def test_the_sweep_prunes_again_the_next_day(bot):
    call_command("sweep", "--once", stdout=StringIO())
    WorkerPass.objects.filter(name="prune").update(started_at=days_ago(1))
    old = event(bot, age_days=400)

    call_command("sweep", "--once", stdout=StringIO())

    assert not exists(old)
    assert WorkerPass.objects.get(name="prune").passes == 2


def test_a_long_prune_takes_several_sweep_passes(bot, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 1)
    old = [event(bot, age_days=400) for _ in range(3)]
    run = services.prune_claim()
    assert run is not None

    assert run.advance(budget=0) is False  # one batch, then the sweep's other work
    assert Event.objects.filter(pk__in=[e.pk for e in old]).count() == 2
    assert not WorkerPass.objects.get(name="prune").passes

    while not run.advance(budget=0):
        pass

    assert not Event.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert run.deleted["events"] == 3
    assert WorkerPass.objects.get(name="prune").passes == 1


def test_a_failed_prune_is_recorded_and_the_sweep_goes_on(bot, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database gone")
        yield  # a generator, as prune_steps is

    monkeypatch.setattr(retention, "prune_steps", broken)

    call_command("sweep", "--once", stdout=StringIO())

    prune_pass = WorkerPass.objects.get(name="prune")
    assert (prune_pass.ok, prune_pass.failures) == (False, 1)
    assert WorkerPass.objects.get(name="sweep").ok


# Several workers on several machines


def _claim_at_once(workers: int) -> list[bool]:
    barrier = threading.Barrier(workers)
    won: list[bool] = []

    def claim() -> None:
        try:
            barrier.wait()
            won.append(services.prune_claim() is not None)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return won


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_of_workers_claiming_the_days_prune_at_once_exactly_one_wins():
    for attempt in range(20):
        if attempt:  # the first round finds no row yet; the others, yesterday's clock
            WorkerPass.objects.filter(name="prune").update(started_at=days_ago(1))

        won = _claim_at_once(4)

        assert sorted(won) == [False, False, False, True], f"attempt {attempt}"
