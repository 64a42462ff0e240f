"""Signed outgoing webhooks against a local receiver: order, retries, disabling, restarts."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from werkzeug import Response

from handoffs import services
from handoffs.models import Delivery, WebhookEndpoint
from handoffs.services.delivery_engine import deliveries_deliver_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(httpserver, workspace):
    return WebhookEndpoint.objects.create(
        workspace=workspace, url=httpserver.url_for("/hook"), event_types=["message.created"]
    )


def say(bot, text: str) -> None:
    services.message_ingest(bot=bot, channel="web", user_id="u1", text=text)


def received_texts(httpserver) -> list[str]:
    return [json.loads(request.data)["payload"]["text"] for request, _ in httpserver.log]


def test_delivery_is_signed_with_the_endpoint_secret(httpserver, endpoint, bot):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    say(bot, "hello")

    assert deliveries_deliver_due() == 1

    request, _ = httpserver.log[0]
    expected = hmac.new(endpoint.secret.encode(), request.data, hashlib.sha256).hexdigest()
    assert request.headers["X-Hitl-Signature"] == f"sha256={expected}"
    assert request.headers["X-Hitl-Event"] == "message.created"
    delivery = Delivery.objects.get()
    assert request.headers["X-Hitl-Delivery"] == str(delivery.delivery_id)
    body = json.loads(request.data)
    assert set(body) == {"id", "type", "botId", "resource", "payload", "createdAt"}
    assert delivery.status == "delivered"


def test_only_subscribed_types_are_sent(endpoint, bot, conversation):
    services.handoff_request(conversation=conversation)

    # handoff.created, conversation.paused and the transfer message.created: only the last.
    assert [d.event.type for d in Delivery.objects.all()] == ["message.created"]


def test_other_workspaces_events_are_not_sent(endpoint):
    from tests.factories import BotFactory

    say(BotFactory(), "elsewhere")

    assert not Delivery.objects.exists()


def test_retry_after_500_keeps_the_order(httpserver, endpoint, bot):
    httpserver.expect_ordered_request("/hook").respond_with_response(Response("boom", 500))
    httpserver.expect_ordered_request("/hook").respond_with_data("ok")
    httpserver.expect_ordered_request("/hook").respond_with_data("ok")
    say(bot, "first")
    say(bot, "second")

    assert deliveries_deliver_due() == 0
    # Not due yet: the failed delivery waits for its backoff and holds back the next one.
    assert deliveries_deliver_due() == 0
    assert deliveries_deliver_due(now=timezone.now() + timedelta(minutes=1)) == 2

    assert received_texts(httpserver) == ["first", "first", "second"]
    first = Delivery.objects.order_by("event_id").first()
    assert first.attempts == 2
    assert first.last_status_code == 200


def test_unreachable_receiver_is_retried(endpoint, bot):
    endpoint.url = "http://127.0.0.1:9/hook"  # discard port: connection refused
    endpoint.save()
    say(bot, "hello")

    deliveries_deliver_due()

    delivery = Delivery.objects.get()
    assert delivery.status == "pending"
    assert delivery.attempts == 1
    assert delivery.last_error == "The destination refused the connection or is not reachable."


def test_endpoint_is_disabled_after_the_failure_limit(httpserver, endpoint, bot, settings):
    settings.HITL = {**settings.HITL, "WEBHOOK_MAX_FAILURES": 3}
    httpserver.expect_request("/hook").respond_with_response(Response("down", 503))
    say(bot, "hello")
    moment = timezone.now()

    for step in range(5):
        deliveries_deliver_due(now=moment + timedelta(hours=step))

    endpoint.refresh_from_db()
    assert not endpoint.active
    assert "3 consecutive failures" in endpoint.disabled_reason
    assert "HTTP 503" in endpoint.disabled_reason
    assert len(httpserver.log) == 3
    assert Delivery.objects.get().status == "pending"  # kept for when it is re-enabled


def test_nothing_is_lost_across_a_worker_restart(httpserver, endpoint, bot):
    httpserver.expect_ordered_request("/hook").respond_with_response(Response("boom", 500))
    say(bot, "one")
    call_command("deliver_webhooks", "--once", stdout=StringIO())
    say(bot, "two")
    Delivery.objects.update(next_attempt_at=timezone.now())
    httpserver.clear()
    httpserver.expect_request("/hook").respond_with_data("ok")

    # A new worker process picks up what the old one left pending.
    call_command("deliver_webhooks", "--once", stdout=StringIO())

    assert received_texts(httpserver) == ["one", "two"]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}


def _endpoint_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "webhookendpoint" in q["sql"]]


def test_a_workspace_without_endpoints_stops_asking_for_them(bot):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    say(bot, "first")
    with CaptureQueriesContext(connection) as captured:
        say(bot, "second")

    assert _endpoint_queries(captured) == []
    assert Delivery.objects.count() == 0


def test_an_endpoint_added_after_none_was_remembered_gets_the_next_event(bot, workspace):
    say(bot, "before")
    WebhookEndpoint.objects.create(workspace=workspace, url="http://127.0.0.1:9/hook")

    say(bot, "after")

    assert [d.event.payload["text"] for d in Delivery.objects.all()] == ["after"]


def test_a_deleted_endpoint_is_never_used_from_memory(bot, workspace):
    from django.db import connection

    gone = WebhookEndpoint.objects.create(workspace=workspace, url="http://127.0.0.1:9/gone")
    say(bot, "while it exists")
    # Removed behind the signals' back, as another process would: no cached copy of it is
    # used, or the delivery's foreign key would fail the message's transaction.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM handoffs_delivery")
        cursor.execute("DELETE FROM handoffs_webhookendpoint WHERE id = %s", [gone.pk])
    WebhookEndpoint.objects.create(workspace=workspace, url="http://127.0.0.1:9/new")

    say(bot, "after")

    assert sorted(d.endpoint.url for d in Delivery.objects.all()) == ["http://127.0.0.1:9/new"]
