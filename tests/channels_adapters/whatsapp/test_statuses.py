"""What Meta reports about the messages we sent (sent, delivered, read, failed with its error)
becomes the message's delivery status, as `message.updated` events the workspace shows live.

Follows Meta's "Status messages webhook reference" (webhooks/reference/messages/status: a
`statuses` array of {id: wamid, status, timestamp, recipient_id, errors: [{code, title,
message, error_data: {details}}]}), whose order "may not reflect the actual timestamp".
"""

from __future__ import annotations

import pytest

from handoffs import services
from handoffs.models import Event, Message
from tests.deliveries import deliver_due

from .conftest import SEND_PATH, USER, wa_body, wa_post, wa_status

pytestmark = pytest.mark.django_db

ACCEPTED = {"messaging_product": "whatsapp", "messages": [{"id": "wamid.OUT1"}]}


@pytest.fixture
def sent(wa_graph, wa_conversation, django_capture_on_commit_callbacks) -> Message:
    """A bot message the Cloud API accepted as wamid.OUT1."""
    wa_graph.expect_request(SEND_PATH, method="POST").respond_with_json(ACCEPTED)
    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_send_bot(conversation=wa_conversation, text="Your order")
    deliver_due()
    return message


def report(client, number, *statuses: dict):
    return wa_post(client, number.bot.bot_id, wa_body(statuses=list(statuses)))


def shown(message: Message) -> list[tuple[str, str, str]]:
    """(event type, deliveryStatus, deliveryError) of each event about the message."""
    events = Event.objects.filter(conversation_id=message.conversation_id, resource="message")
    return [
        (e.type, e.payload["deliveryStatus"], e.payload["deliveryError"])
        for e in events.order_by("id")
        if e.payload["id"] == message.pk
    ]


def test_sent_delivered_read_each_shown(client, number, sent):
    for status in ("sent", "delivered", "read"):
        assert report(client, number, wa_status("wamid.OUT1", status)).status_code == 200

    sent.refresh_from_db()
    assert sent.delivery_status == "read"
    assert shown(sent) == [
        ("message.created", "pending", ""),
        ("message.updated", "sent", ""),
        ("message.updated", "delivered", ""),
        ("message.updated", "read", ""),
    ]


def test_a_late_report_never_goes_back(client, number, sent):
    report(client, number, wa_status("wamid.OUT1", "read"))
    report(client, number, wa_status("wamid.OUT1", "delivered"), wa_status("wamid.OUT1", "sent"))

    sent.refresh_from_db()
    assert sent.delivery_status == "read"
    assert [status for _, status, _ in shown(sent)] == ["pending", "read"]


def test_failed_says_why(client, number, sent):
    failure = wa_status(
        "wamid.OUT1",
        "failed",
        errors=[
            {
                "code": 131047,
                "title": "Re-engagement message",
                "message": "Re-engagement message",
                "error_data": {
                    "details": "Message failed to send because more than 24 hours have passed "
                    "since the customer last replied to this number."
                },
            }
        ],
    )

    report(client, number, failure)

    sent.refresh_from_db()
    assert sent.delivery_status == "failed"
    assert sent.delivery_error.startswith("Re-engagement message (131047): Message failed")
    assert shown(sent)[-1][:2] == ("message.updated", "failed")


def test_a_replayed_report_changes_nothing(client, number, sent):
    body = wa_status("wamid.OUT1", "delivered")

    report(client, number, body)
    report(client, number, body)

    assert [status for _, status, _ in shown(sent)] == ["pending", "delivered"]


def test_reports_of_messages_we_did_not_send_are_ignored(client, number, sent):
    response = report(
        client, number, wa_status("wamid.ELSEWHERE", "read"), wa_status("wamid.OUT1", "deleted")
    )

    assert response.status_code == 200
    sent.refresh_from_db()
    assert sent.delivery_status == "pending"


def test_a_status_without_an_id_is_400(client, number, sent):
    response = report(client, number, {"status": "read", "recipient_id": USER})

    assert response.status_code == 400
    sent.refresh_from_db()
    assert sent.delivery_status == "pending"
