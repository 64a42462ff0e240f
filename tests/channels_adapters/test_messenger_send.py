"""Facebook Messenger out: the Send API on a local fake Graph server, retries, visible failure."""

from __future__ import annotations

import json
import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from handoffs import services
from handoffs.models import Delivery, Message
from tests.deliveries import deliver_due

from .conftest import SEND_PATH


def bot_says(
    capture, conversation, text: str = "Hello from the bot", *, passes: int = 1, **kwargs
) -> Message:
    with capture(execute=True):
        message = services.message_send_bot(conversation=conversation, text=text, **kwargs)
    deliver_due(passes=passes)
    message.refresh_from_db()
    return message


def sent_bodies(server: HTTPServer) -> list[dict]:
    return [json.loads(request.get_data()) for request, _ in server.log]


@pytest.mark.django_db
def test_bot_message_goes_out_with_the_page_token(
    graph, messenger_conversation, django_capture_on_commit_callbacks
):
    graph.expect_request(SEND_PATH, method="POST").respond_with_json({"message_id": "mid.1"})

    message = bot_says(django_capture_on_commit_callbacks, messenger_conversation)

    assert message.delivery_status == "sent"
    request, _ = graph.log[0]
    assert request.headers["Authorization"] == "Bearer page-token"
    assert request.headers["X-Hitl-Delivery"] == str(Delivery.objects.get().delivery_id)
    assert sent_bodies(graph) == [
        {
            "recipient": {"id": "psid-7"},
            "messaging_type": "RESPONSE",
            "message": {"text": "Hello from the bot"},
        }
    ]


@pytest.mark.django_db
def test_agent_message_goes_out(
    graph, messenger_conversation, agent, django_capture_on_commit_callbacks
):
    graph.expect_request(SEND_PATH, method="POST").respond_with_json({"message_id": "mid.1"})
    with django_capture_on_commit_callbacks(execute=True):
        handoff, _ = services.handoff_request(conversation=messenger_conversation)
        services.handoff_assign(handoff=handoff, agent=agent)
        message = services.message_send_agent(
            conversation=messenger_conversation, agent=agent, text="Hi, I'm here"
        )
    deliver_due()

    message.refresh_from_db()
    assert message.delivery_status == "sent"
    texts = [body["message"]["text"] for body in sent_bodies(graph)]
    assert texts[0] == "You are being transferred to an agent."
    assert texts[-1] == "Hi, I'm here"


@pytest.mark.django_db
def test_quick_replies_and_long_texts(
    graph, messenger_conversation, django_capture_on_commit_callbacks
):
    graph.expect_request(SEND_PATH, method="POST").respond_with_json({"message_id": "mid.1"})
    choices = [{"title": "Yes", "value": "Y"}, {"title": "No", "value": "N"}]

    bot_says(
        django_capture_on_commit_callbacks,
        messenger_conversation,
        text="a" * 2500,
        payload={"type": "quick_reply", "choices": choices},
    )

    first, second = (body["message"] for body in sent_bodies(graph))
    assert len(first["text"]) == 2000 and "quick_replies" not in first
    assert second["quick_replies"] == [
        {"content_type": "text", "title": "Yes", "payload": "Y"},
        {"content_type": "text", "title": "No", "payload": "N"},
    ]


@pytest.mark.django_db
def test_500_then_success_is_retried_and_sent(
    graph, messenger_conversation, django_capture_on_commit_callbacks
):
    graph.expect_ordered_request(SEND_PATH, method="POST").respond_with_data("busy", status=500)
    graph.expect_ordered_request(SEND_PATH, method="POST").respond_with_json({"message_id": "m"})

    message = bot_says(django_capture_on_commit_callbacks, messenger_conversation, passes=2)

    assert message.delivery_status == "sent"
    assert message.delivery_error == ""
    assert len(graph.log) == 2
    graph.check_assertions()


@pytest.mark.django_db
def test_permanent_5xx_marks_the_message_failed(
    graph, messenger_conversation, django_capture_on_commit_callbacks
):
    graph.expect_request(SEND_PATH, method="POST").respond_with_data("down", status=503)

    message = bot_says(django_capture_on_commit_callbacks, messenger_conversation, passes=4)

    assert message.delivery_status == "failed"
    assert message.delivery_error == "Graph API answered 503."
    assert len(graph.log) == 3
    assert Delivery.objects.get().status == "dead"


@pytest.mark.django_db
def test_refusal_is_not_retried_and_says_why(
    graph, messenger_conversation, django_capture_on_commit_callbacks
):
    graph.expect_request(SEND_PATH, method="POST").respond_with_json(
        {"error": {"message": "(#100) No matching user found", "code": 100}}, status=400
    )

    message = bot_says(django_capture_on_commit_callbacks, messenger_conversation)

    assert message.delivery_status == "failed"
    assert "No matching user found" in message.delivery_error
    assert len(graph.log) == 1


@pytest.mark.django_db
def test_unreachable_graph_marks_the_message_failed(
    settings, page, messenger_conversation, django_capture_on_commit_callbacks
):
    from tests.servers import free_port

    settings.MESSENGER_GRAPH_API_URL = f"http://127.0.0.1:{free_port()}/v19.0"

    message = bot_says(django_capture_on_commit_callbacks, messenger_conversation, passes=3)

    assert message.delivery_status == "failed"
    # What the workspace shows names no address nor port (handoffs/outgoing.py).
    assert message.delivery_error == "The destination refused the connection or is not reachable."


@pytest.fixture
def slow_then_fast_graph(settings):
    """A threaded fake Graph whose first answer comes too late."""
    server = HTTPServer(threaded=True)
    server.start()
    calls = []

    def handler(request: Request) -> Response:
        calls.append(request)
        if len(calls) == 1:
            time.sleep(1.5)
        return Response(json.dumps({"message_id": "m"}), content_type="application/json")

    server.expect_request(SEND_PATH, method="POST").respond_with_handler(handler)
    settings.MESSENGER_GRAPH_API_URL = server.url_for("/v19.0")
    settings.DELIVERY_TIMEOUT_SECONDS = 0.5
    yield calls
    server.clear()
    server.stop()


@pytest.mark.django_db
def test_timeout_then_success_is_retried(
    slow_then_fast_graph, messenger_conversation, django_capture_on_commit_callbacks
):
    message = bot_says(django_capture_on_commit_callbacks, messenger_conversation, passes=2)

    assert message.delivery_status == "sent"
    assert len(slow_then_fast_graph) == 2


@pytest.mark.django_db(transaction=True)
def test_the_request_sends_nothing_the_worker_sends_it(graph, messenger_conversation):
    graph.expect_request(SEND_PATH, method="POST").respond_with_json({"message_id": "m"})

    message = services.message_send_bot(conversation=messenger_conversation, text="later")

    assert graph.log == []
    assert Delivery.objects.get().payload == {"messageId": message.pk}
    deliver_due()
    message.refresh_from_db()
    assert message.delivery_status == "sent"


@pytest.mark.django_db
def test_user_messages_are_not_sent_back(graph, page, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_ingest(bot=page.bot, channel="messenger", user_id="p", text="hi")
    deliver_due()

    assert graph.log == []
