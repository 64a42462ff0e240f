"""A sender may say when to try again (Outcome.retry_after, e.g. Telegram's 429
`parameters.retry_after`): the engine waits at least that long, at most an hour."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from handoffs import outbound
from handoffs.models import Delivery
from handoffs.services.delivery_engine import deliveries_deliver_due, delivery_record

pytestmark = pytest.mark.django_db

KIND = "test-retry-after"


@pytest.fixture
def flooded_sender(settings):
    """A sender that is refused with a retry_after, then accepted."""
    settings.DELIVERY_BACKOFF_BASE_SECONDS = 1
    answers: list[float | None] = []

    def send(delivery, client):
        if answers:
            return outbound.Outcome(ok=False, status_code=429, retry_after=answers.pop(0))
        return outbound.Outcome(ok=True)

    outbound.register_sender(KIND, send)
    yield answers
    outbound._kinds.pop(KIND, None)


def due_after_first_attempt() -> timedelta:
    delivery = delivery_record(kind=KIND, destination_key="retry-after", workspace_id=None)
    start = timezone.now()
    deliveries_deliver_due(now=start)
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    return delivery.next_attempt_at - start


def test_the_retry_waits_for_retry_after(flooded_sender):
    flooded_sender.append(30)

    assert due_after_first_attempt() == timedelta(seconds=30)


def test_without_retry_after_the_backoff_applies(flooded_sender):
    flooded_sender.append(None)

    assert due_after_first_attempt() == timedelta(seconds=1)


def test_a_longer_backoff_wins_over_a_short_retry_after(flooded_sender, settings):
    settings.DELIVERY_BACKOFF_BASE_SECONDS = 60
    flooded_sender.append(2)

    assert due_after_first_attempt() == timedelta(seconds=60)


def test_retry_after_is_capped_at_an_hour(flooded_sender):
    flooded_sender.append(86_400)

    assert due_after_first_attempt() == timedelta(hours=1)


def test_it_is_sent_once_the_wait_is_over(flooded_sender):
    flooded_sender.append(30)
    delivery = delivery_record(kind=KIND, destination_key="retry-after", workspace_id=None)
    start = timezone.now()

    deliveries_deliver_due(now=start)
    deliveries_deliver_due(now=start + timedelta(seconds=29))
    assert Delivery.objects.get(pk=delivery.pk).status == "pending"
    deliveries_deliver_due(now=start + timedelta(seconds=30))

    assert Delivery.objects.get(pk=delivery.pk).status == "delivered"
