"""Where a Messenger message stands: pending from its creation, its outcome as
`message.updated` (live on the agents' sockets), and a delivery written with it that a worker
sends even when the process that wrote it died."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async as db
from django.core.management import call_command

from handoffs import services
from handoffs.models import Delivery, Event, Message
from tests.deliveries import deliver_due
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
    deliver_due()

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
    deliver_due()

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
    deliver_due()

    # A late failure of an attempt that was repeated successfully.
    changed = services.message_mark_delivery(message_id=message.pk, ok=False, error="timeout")

    message.refresh_from_db()
    assert not changed
    assert (message.delivery_status, message.delivery_error) == ("sent", "")
    assert [e[0] for e in delivery_events(message)].count("message.updated") == 1


@pytest.mark.django_db
def test_a_worker_sends_what_a_crashed_process_left_pending(graph, messenger_conversation):
    graph.expect_request(SEND_PATH, method="POST").respond_with_json({"message_id": "mid.1"})
    message = crashed_while_sending(messenger_conversation)

    call_command("deliver", "--once")
    call_command("deliver", "--once")

    message.refresh_from_db()
    assert message.delivery_status == "sent"
    assert len(graph.log) == 1
    assert delivery_events(message)[-1] == ("message.updated", "sent", "")


@pytest.mark.django_db
def test_a_message_erased_before_its_turn_is_not_sent(graph, messenger_conversation):
    message = crashed_while_sending(messenger_conversation)
    Message.objects.filter(pk=message.pk).delete()

    deliver_due()

    assert graph.log == []
    assert Delivery.objects.get().status == "delivered"  # nothing left to send


@pytest.mark.django_db
def test_the_last_attempt_marks_the_message_failed(graph, messenger_conversation):
    graph.expect_request(SEND_PATH, method="POST").respond_with_data("down", status=503)
    message = crashed_while_sending(messenger_conversation)

    deliver_due(passes=5)

    message.refresh_from_db()
    assert len(graph.log) == 3
    assert (message.delivery_status, message.delivery_error) == (
        "failed",
        "Graph API answered 503.",
    )


@pytest.mark.django_db(transaction=True)
async def test_agents_see_a_failed_delivery_live(connect, graph, messenger_conversation, agent):
    graph.expect_request(SEND_PATH, method="POST").respond_with_json(REFUSAL, status=400)
    socket = await connect(agent)

    message = await db(services.message_send_bot)(conversation=messenger_conversation, text="Hi")
    await db(deliver_due)()

    while (event := await socket.receive_json_from(timeout=5))["type"] != "message.updated":
        pass
    assert event["payload"]["id"] == message.pk
    assert event["payload"]["deliveryStatus"] == "failed"
    assert "isn't available right now" in event["payload"]["deliveryError"]
