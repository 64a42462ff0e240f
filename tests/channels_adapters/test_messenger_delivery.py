"""Where a Messenger message stands: pending from its creation, its outcome as
`message.updated` (live on the agents' sockets), and the sweep sending again what a crashed
process left pending."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from channels.db import database_sync_to_async as db
from django.core.management import call_command
from django.utils import timezone

from channels_adapters import messenger
from handoffs import outbound, services
from handoffs.models import Event, Message
from tests.factories import ConversationFactory

from .conftest import SEND_PATH

REFUSAL = {"error": {"message": "(#551) This person isn't available right now.", "code": 551}}


def delivery_events(message: Message) -> list[tuple[str, str, str]]:
    """(event type, deliveryStatus, deliveryError) of each event about this message."""
    events = Event.objects.filter(
        conversation_id=message.conversation_id, resource="message"
    ).order_by("id")
    return [
        (e.type, e.payload["deliveryStatus"], e.payload["deliveryError"])
        for e in events
        if e.payload["id"] == message.pk
    ]


def crashed_while_sending(conversation, text: str = "Lost in a crash") -> Message:
    """The message is stored, and its process dies before the after-commit work sends it: in
    a test's transaction, that work never runs unless captured."""
    return services.message_send_bot(conversation=conversation, text=text)


@pytest.mark.django_db
def test_a_sent_message_is_pending_then_sent(
    graph, messenger_conversation, django_capture_on_commit_callbacks
):
    graph.expect_request(SEND_PATH, method="POST").respond_with_json({"message_id": "mid.1"})

    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_send_bot(conversation=messenger_conversation, text="Hi")

    assert delivery_events(message) == [
        ("message.created", "pending", ""),
        ("message.updated", "sent", ""),
    ]


@pytest.mark.django_db
def test_a_refused_message_says_why(
    graph, messenger_conversation, django_capture_on_commit_callbacks
):
    graph.expect_request(SEND_PATH, method="POST").respond_with_json(REFUSAL, status=400)

    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_send_bot(conversation=messenger_conversation, text="Hi")

    (_, status, error) = delivery_events(message)[-1]
    assert status == "failed"
    assert (
        error
        == "Graph API refused the message (400): (#551) This person isn't available right now."
    )


@pytest.mark.django_db
@pytest.mark.parametrize("channel", ["web", "api"])
def test_channels_that_read_the_event_stream_have_no_delivery_to_follow(
    bot, channel, django_capture_on_commit_callbacks
):
    conversation = ConversationFactory(end_user__bot=bot, end_user__channel=channel)

    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_send_bot(conversation=conversation, text="Hi")

    assert delivery_events(message) == [("message.created", "", "")]


@pytest.mark.django_db
def test_sent_is_final(graph, messenger_conversation, django_capture_on_commit_callbacks):
    graph.expect_request(SEND_PATH, method="POST").respond_with_json({"message_id": "mid.1"})
    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_send_bot(conversation=messenger_conversation, text="Hi")

    # A late failure of an attempt that was repeated successfully.
    changed = services.message_mark_delivery(message_id=message.pk, ok=False, error="timeout")

    message.refresh_from_db()
    assert not changed
    assert (message.delivery_status, message.delivery_error) == ("sent", "")
    assert [e[0] for e in delivery_events(message)].count("message.updated") == 1


@pytest.mark.django_db
def test_the_sweep_sends_again_what_a_crashed_process_left_pending(
    settings, graph, messenger_conversation
):
    graph.expect_request(SEND_PATH, method="POST").respond_with_json({"message_id": "mid.1"})
    with time_machine.travel(timezone.now(), tick=False) as clock:
        message = crashed_while_sending(messenger_conversation)

        call_command("sweep", "--once")
        assert graph.log == []  # its process may still be at it

        clock.shift(timedelta(seconds=settings.OUTBOUND_STALE_SECONDS + 1))
        call_command("sweep", "--once")
        call_command("sweep", "--once")

    message.refresh_from_db()
    assert message.delivery_status == "sent"
    assert len(graph.log) == 1
    assert delivery_events(message)[-1] == ("message.updated", "sent", "")


@pytest.mark.django_db
def test_a_message_taken_by_one_sweep_is_left_by_the_next(monkeypatch, messenger_conversation):
    sent = []
    monkeypatch.setattr(outbound, "send", lambda **kwargs: sent.append(kwargs))
    message = crashed_while_sending(messenger_conversation)
    later = timezone.now() + timedelta(hours=1)

    first = services.message_deliveries_resume(now=later)
    second = services.message_deliveries_resume(now=later)

    assert (first, second) == ((1, 0), (0, 0))
    assert sent == [{"channel": "messenger", "message_id": message.pk, "handed_at": later}]


@pytest.mark.django_db
def test_a_job_that_waited_while_the_sweep_handed_the_message_out_again_sends_nothing(
    monkeypatch, graph, messenger_conversation
):
    graph.expect_request(SEND_PATH, method="POST").respond_with_json({"message_id": "mid.1"})
    handed_out = []
    monkeypatch.setattr(outbound, "send", lambda **kwargs: handed_out.append(kwargs))
    message = crashed_while_sending(messenger_conversation)
    services.message_deliveries_resume(now=timezone.now() + timedelta(hours=1))

    # The first job, queued behind a slow Graph API, runs at last; then the sweep's.
    messenger.deliver(message_id=message.pk, handed_at=None)
    assert graph.log == []
    messenger.deliver(message_id=message.pk, handed_at=handed_out[0]["handed_at"])
    messenger.deliver(message_id=message.pk, handed_at=handed_out[0]["handed_at"])

    message.refresh_from_db()
    assert len(graph.log) == 1
    assert message.delivery_status == "sent"


@pytest.mark.django_db
def test_the_sweep_gives_up_after_a_day(settings, graph, messenger_conversation):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        message = crashed_while_sending(messenger_conversation)
        clock.shift(timedelta(seconds=settings.OUTBOUND_GIVE_UP_SECONDS + 1))
        call_command("sweep", "--once")

    message.refresh_from_db()
    assert graph.log == []
    assert message.delivery_status == "failed"
    assert message.delivery_error == (
        "No outcome within 24 hours of being written; not sent again."
    )


@pytest.mark.django_db(transaction=True)
async def test_agents_see_a_failed_delivery_live(connect, graph, messenger_conversation, agent):
    graph.expect_request(SEND_PATH, method="POST").respond_with_json(REFUSAL, status=400)
    socket = await connect(agent)

    message = await db(services.message_send_bot)(conversation=messenger_conversation, text="Hi")

    while (event := await socket.receive_json_from(timeout=5))["type"] != "message.updated":
        pass
    assert event["payload"]["id"] == message.pk
    assert event["payload"]["deliveryStatus"] == "failed"
    assert "isn't available right now" in event["payload"]["deliveryError"]
