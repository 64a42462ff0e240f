"""The delivery engine's rules: one worker per destination, order, the breaker, dead letters,
the admin's retry."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from handoffs.models import Delivery, DeliveryDestination
from handoffs.services import delivery_engine as engine
from handoffs.services.delivery_engine import delivery_record
from tests.deliveries import deliver_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def bot_at(bot, httpserver):
    def point(path: str = "/bot", status: int = 200):
        bot.bot_webhook_url = httpserver.url_for(path)
        bot.save()
        httpserver.expect_request(path, method="POST").respond_with_data("x", status=status)
        return bot

    return point


def record(bot, n: int = 1) -> list[Delivery]:
    return [
        delivery_record(
            kind="bot",
            destination_key=f"bot:{bot.pk}",
            workspace_id=bot.workspace_id,
            payload={"bot": bot.pk, "event": "message", "body": {"n": i}},
        )
        for i in range(n)
    ]


def sent_numbers(httpserver) -> list[int]:
    import json

    return [json.loads(request.get_data())["n"] for request, _ in httpserver.log]


def test_a_destination_is_sent_in_order(bot_at, httpserver):
    bot = bot_at()
    record(bot, 5)

    assert deliver_due() == 5

    assert sent_numbers(httpserver) == [0, 1, 2, 3, 4]
    keys = [request.headers["X-Hitl-Delivery"] for request, _ in httpserver.log]
    assert keys == [str(d.delivery_id) for d in Delivery.objects.order_by("id")]


def test_a_leased_destination_is_left_to_its_worker(bot_at, httpserver):
    bot = bot_at()
    [delivery] = record(bot)
    DeliveryDestination.objects.update(
        leased_until=timezone.now() + timedelta(seconds=60), lease_token=uuid.uuid4().hex
    )

    assert engine.destination_deliver(destination_id=delivery.destination_id, client=None) is None
    assert engine.destinations_due(now=timezone.now()) == []
    assert httpserver.log == []


def test_a_lease_whose_worker_died_runs_out(bot_at, httpserver):
    bot = bot_at()
    record(bot)
    DeliveryDestination.objects.update(
        leased_until=timezone.now() - timedelta(seconds=1), lease_token="dead-worker"
    )

    assert deliver_due() == 1


def test_a_failure_holds_back_the_rest_of_its_destination(bot_at, httpserver):
    bot = bot_at(status=503)
    record(bot, 2)

    deliver_due()

    assert len(httpserver.log) == 1
    first, second = Delivery.objects.order_by("id")
    assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, 503)
    assert first.next_attempt_at > timezone.now()
    assert second.attempts == 0


def test_the_breaker_pauses_that_destination_alone(bot_at, httpserver, settings):
    from tests.factories import BotFactory

    settings.DELIVERY_BREAKER_FAILURES = 2
    settings.DELIVERY_MAX_ATTEMPTS = 2
    failing = bot_at("/down", status=503)
    record(failing, 3)
    healthy = BotFactory(workspace=failing.workspace)
    healthy.bot_webhook_url = httpserver.url_for("/up")
    healthy.save()
    httpserver.expect_request("/up", method="POST").respond_with_data("ok")

    deliver_due(passes=2)
    record(healthy, 1)

    down = DeliveryDestination.objects.get(key=f"bot:{failing.pk}")
    assert down.consecutive_failures >= 2
    assert down.paused_until > timezone.now()
    due = engine.destinations_due(now=timezone.now())
    assert due == [DeliveryDestination.objects.get(key=f"bot:{healthy.pk}").pk]


def test_dead_after_the_last_attempt_and_the_next_goes_on(bot_at, httpserver, settings):
    settings.DELIVERY_MAX_ATTEMPTS = 2
    settings.DELIVERY_BREAKER_FAILURES = 100
    bot = bot_at(status=503)
    record(bot, 2)

    deliver_due(passes=2)

    first, second = Delivery.objects.order_by("id")
    assert (first.status, first.attempts) == ("dead", 2)
    assert second.attempts >= 1  # its turn came


def test_a_final_refusal_is_dead_at_once(bot_at, httpserver):
    bot = bot_at(status=410)
    record(bot)

    deliver_due()

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("dead", 1)
    assert delivery.last_error.startswith("The bot webhook refused the message (410)")


def test_the_admin_retries_dead_deliveries(bot_at, httpserver, admin_client, settings):
    settings.DELIVERY_BREAKER_FAILURES = 1
    bot = bot_at(status=410)
    [delivery] = record(bot)
    deliver_due()
    assert Delivery.objects.get().status == "dead"

    page = admin_client.get("/admin/handoffs/delivery/?state=dead")
    assert page.status_code == 200
    assert str(delivery.delivery_id) in page.content.decode()
    admin_client.post(
        "/admin/handoffs/delivery/",
        {"action": "retry", "_selected_action": [delivery.pk]},
    )

    delivery.refresh_from_db()
    assert (delivery.status, delivery.next_attempt_at) == ("pending", None)
    destination = DeliveryDestination.objects.get()
    assert (destination.paused_until, destination.consecutive_failures) == (None, 0)


def test_metrics_count_backlog_and_dead_per_kind(bot_at, httpserver):
    from prometheus_client import generate_latest
    from prometheus_client.registry import CollectorRegistry

    from handoffs.metrics import DatabaseCollector

    bot = bot_at(status=410)
    record(bot, 2)
    deliver_due()  # refused for good: both dead
    record(bot, 1)
    registry = CollectorRegistry()
    registry.register(DatabaseCollector())

    text = generate_latest(registry).decode()

    assert 'hitl_delivery_dead{kind="bot"} 2.0' in text
    assert 'hitl_delivery_backlog{kind="bot"} 1.0' in text
    assert 'hitl_delivery_backlog{kind="webhook"} 0.0' in text
