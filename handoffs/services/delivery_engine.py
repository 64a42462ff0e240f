"""The delivery engine: rows written in the change's transaction, sent by workers, at least
once, in order per destination, one request in flight per destination, each destination with its
own circuit breaker (docs/delivery.md).

A destination is leased by one conditional UPDATE (`leased_until` in the past), which both
SQLite and PostgreSQL apply to one writer at a time: two workers never send to the same
destination at once, and no row lock is held while a request is on the network.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from .. import metrics, outbound, outgoing
from ..models import Delivery, DeliveryDestination, Event, WebhookEndpoint

logger = logging.getLogger(__name__)

D = Delivery.Status


def destination_for(*, key: str, kind: str) -> DeliveryDestination:
    destination = DeliveryDestination.objects.filter(key=key).first()
    if destination is None:
        destination, _ = DeliveryDestination.objects.get_or_create(key=key, defaults={"kind": kind})
    return destination


def destinations_for(*, keys: list[str], kind: str) -> dict[str, DeliveryDestination]:
    """Several destinations in one read (an event's webhook endpoints); the missing made."""
    found = {d.key: d for d in DeliveryDestination.objects.filter(key__in=keys)}
    for key in keys:
        if key not in found:
            found[key] = destination_for(key=key, kind=kind)
    return found


def delivery_record(
    *,
    kind: str,
    destination_key: str,
    workspace_id: int | None,
    event: Event | None = None,
    endpoint: WebhookEndpoint | None = None,
    payload: dict[str, Any] | None = None,
) -> Delivery:
    """Called in the transaction of the change that causes it: it commits, or neither does."""
    return Delivery.objects.create(
        kind=kind,
        destination=destination_for(key=destination_key, kind=kind),
        workspace_id=workspace_id,
        event=event,
        endpoint=endpoint,
        payload=payload or {},
    )


def backoff(attempts: int) -> timedelta:
    base = settings.DELIVERY_BACKOFF_BASE_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def retry_delay(attempts: int, retry_after: float | None = None) -> timedelta:
    """The backoff, or longer when the receiver said when to come back (at most an hour)."""
    wait = backoff(attempts)
    if retry_after and retry_after > 0:
        wait = max(wait, timedelta(seconds=min(retry_after, 3600)))
    return wait


def http_client() -> httpx.Client:
    """Short connect timeout: an unreachable receiver frees its thread quickly. Every address
    is checked when connecting (handoffs/outgoing.py): receivers are typed in by tenants."""
    timeout = httpx.Timeout(
        settings.DELIVERY_TIMEOUT_SECONDS, connect=settings.DELIVERY_CONNECT_TIMEOUT_SECONDS
    )
    return outgoing.client(timeout=timeout)


def destinations_due(*, now: datetime, limit: int = 100) -> list[int]:
    """Destinations with a delivery due, free of any lease and of an open breaker, oldest
    first."""
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    free = Q(destination__leased_until__isnull=True) | Q(destination__leased_until__lt=now)
    closed = Q(destination__paused_until__isnull=True) | Q(destination__paused_until__lte=now)
    rows = (
        Delivery.objects.filter(status=D.PENDING)
        .filter(due, free, closed)
        .exclude(endpoint__active=False)
        .values("destination_id")
        .annotate(first=Min("id"))
        .order_by("first")[:limit]
    )
    return [row["destination_id"] for row in rows]


def deliveries_deliver_due(
    *, client: httpx.Client | None = None, now: datetime | None = None
) -> int:
    """One pass over every destination with something due, one after another (tests, --once);
    returns how many deliveries succeeded."""
    own_client = client is None
    client = client or http_client()
    delivered = 0
    try:
        for destination_id in destinations_due(now=now or timezone.now()):
            sent = destination_deliver(destination_id=destination_id, client=client, now=now)
            delivered += sent or 0
    finally:
        if own_client:
            client.close()
    return delivered


def destination_deliver(
    *,
    destination_id: int,
    client: httpx.Client,
    now: datetime | None = None,
    stopping: threading.Event | None = None,
) -> int | None:
    """Lease the destination and send its due deliveries in order, until one fails, none is
    due, or the worker stops; how many went out, None if another worker holds it."""
    token = uuid.uuid4().hex
    if not _lease(destination_id, token, now or timezone.now()):
        return None
    delivered = 0
    try:
        while stopping is None or not stopping.is_set():
            moment = now or timezone.now()
            delivery = (
                Delivery.objects.filter(destination_id=destination_id, status=D.PENDING)
                .select_related("event__bot", "endpoint", "destination")
                .order_by("id")
                .first()
            )
            if delivery is None or (delivery.next_attempt_at and delivery.next_attempt_at > moment):
                break
            if delivery.endpoint is not None and not delivery.endpoint.active:
                break
            # A lease outlived by a slow pass may be another worker's now: stop, never send twice.
            if not _lease(destination_id, token, moment, renew=True):
                break
            status = _attempt(delivery, client, moment)
            if status == D.DELIVERED:
                delivered += 1
                continue
            paused_until = delivery.destination.paused_until
            if status == D.PENDING or (paused_until is not None and paused_until > moment):
                break
    finally:
        DeliveryDestination.objects.filter(pk=destination_id, lease_token=token).update(
            leased_until=None, lease_token=""
        )
    return delivered


def _lease(destination_id: int, token: str, now: datetime, *, renew: bool = False) -> bool:
    mine = Q(lease_token=token) if renew else Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    until = now + timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)
    updated = (
        DeliveryDestination.objects.filter(pk=destination_id)
        .filter(mine)
        .update(leased_until=until, lease_token=token)
    )
    return updated == 1


def _attempt(delivery: Delivery, client: httpx.Client, now: datetime) -> str:
    kind = outbound.kind_for(delivery.kind)
    try:
        if kind is None:
            outcome = outbound.Outcome(ok=False, error=f"No sender for {delivery.kind!r}.")
        else:
            outcome = kind.send(delivery, client)
    except Exception as error:
        logger.exception("%s delivery %s failed", delivery.kind, delivery.pk)
        outcome = outbound.Outcome(ok=False, error=f"{type(error).__name__}: {error}")
    destination = delivery.destination
    delivery.attempts += 1
    delivery.last_status_code = outcome.status_code
    delivery.last_response = outcome.response[:1000]
    delivery.last_error = outcome.error[:500]
    if outcome.ok:
        delivery.status = D.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        destination.consecutive_failures = 0
        destination.paused_until = None
        destination.last_error = ""
        metrics.DELIVERIES_SENT.labels(delivery.kind).inc()
    else:
        metrics.DELIVERY_FAILURES.labels(delivery.kind).inc()
        destination.consecutive_failures += 1
        destination.last_error = delivery.last_error
        opens_after = settings.DELIVERY_BREAKER_FAILURES
        if destination.consecutive_failures >= opens_after:
            # The breaker: this destination alone waits, longer at each failure.
            destination.paused_until = now + backoff(
                destination.consecutive_failures - opens_after + 1
            )
        if outcome.final or delivery.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
            delivery.status = D.DEAD
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + retry_delay(delivery.attempts, outcome.retry_after)
    with transaction.atomic():
        delivery.save(
            update_fields=[
                "status",
                "attempts",
                "next_attempt_at",
                "last_status_code",
                "last_response",
                "last_error",
                "delivered_at",
            ]
        )
        destination.save(update_fields=["consecutive_failures", "paused_until", "last_error"])
        if delivery.status == D.DEAD:
            logger.warning("%s delivery %s is dead: %s", delivery.kind, delivery.pk, outcome.error)
            if kind is not None and kind.on_dead is not None:
                kind.on_dead(delivery)
    return delivery.status


def deliveries_retry(*, deliveries: QuerySet[Delivery]) -> int:
    """The admin's retry: failed and dead deliveries are due again now, their breaker closed."""
    retried = deliveries.exclude(status=D.DELIVERED)
    destination_ids = set(retried.values_list("destination_id", flat=True))
    count = retried.update(status=D.PENDING, next_attempt_at=None)
    DeliveryDestination.objects.filter(pk__in=destination_ids).update(
        paused_until=None, consecutive_failures=0
    )
    return count


class DeliveryWorker:
    """`manage.py deliver`'s threads: each leases one due destination at a time, so a receiver
    that hangs holds one thread for at most its timeout, never the others'."""

    def __init__(self, *, threads: int, interval: float, stopping: threading.Event) -> None:
        self.interval = interval
        self.stopping = stopping
        self.threads = [
            threading.Thread(target=self._work, name=f"deliver-{n}", daemon=True)
            for n in range(max(threads, 1))
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self, timeout: float | None = None) -> None:
        for thread in self.threads:
            thread.join(timeout)

    def _work(self) -> None:
        with http_client() as client:
            while not self.stopping.is_set():
                try:
                    worked = self._one_round(client)
                except Exception:
                    logger.exception("delivery round failed")
                    worked = False
                if not worked:
                    self.stopping.wait(self.interval)
                    close_old_connections()
        connections.close_all()

    def _one_round(self, client: httpx.Client) -> bool:
        for destination_id in destinations_due(now=timezone.now()):
            if self.stopping.is_set():
                return True
            sent = destination_deliver(
                destination_id=destination_id, client=client, stopping=self.stopping
            )
            if sent is not None:
                return True
        return False
