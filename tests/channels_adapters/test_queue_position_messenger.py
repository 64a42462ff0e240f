"""A waiting Messenger user hears their place in the queue through the Graph API, by the same
path as the transfer message (a delivery written with the message)."""

from __future__ import annotations

import json

import pytest

from handoffs import services
from tests.deliveries import deliver_due

from .conftest import SEND_PATH

pytestmark = pytest.mark.django_db


def test_the_place_reaches_a_messenger_user(
    graph, page, messenger_conversation, django_capture_on_commit_callbacks
):
    bot = page.bot
    bot.queue_position_updates = True
    bot.save()
    graph.expect_request(SEND_PATH, method="POST").respond_with_json({"message_id": "mid.1"})

    with django_capture_on_commit_callbacks(execute=True):
        services.handoff_request(conversation=messenger_conversation)
    deliver_due()

    texts = [json.loads(request.get_data())["message"]["text"] for request, _ in graph.log]
    assert texts == [
        "You are being transferred to an agent.",
        "You are number 1 in line (about ? min).",
    ]
