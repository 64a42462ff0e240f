"""Outgoing webhooks: deliveries are written with their event, then sent by a worker.

At least once, in event order per endpoint (a failing delivery holds back the ones after it),
with exponential backoff; an endpoint failing for long is disabled with a visible reason.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from agents.config_cache import remembered

from .. import outgoing
from ..models import Event, WebhookDelivery, WebhookEndpoint
from ..selectors import webhooks_cache_key

logger = logging.getLogger(__name__)

D = WebhookDelivery.Status
BATCH = 50


def webhook_deliveries_create(*, event: Event) -> None:
    """Called in the event's own transaction, so no committed event lacks its deliveries."""
    if event.recipient_id is not None:
        # One agent's notification: private to that person, never sent to external systems.
        return

    def active() -> QuerySet[WebhookEndpoint]:
        return WebhookEndpoint.objects.filter(workspace_id=event.workspace_id, active=True)

    # Most workspaces have no endpoint: that answer is kept a few seconds per process, so
    # their events skip the query (and even building it). "Some" is never trusted from memory
    # (an endpoint deleted meanwhile would fail the whole transaction): they are read fresh.
    if not remembered(webhooks_cache_key(event.workspace_id), lambda: active().exists()):
        return
    endpoints = active()
    deliveries = [
        WebhookDelivery(endpoint=endpoint, event=event)
        for endpoint in endpoints
        if endpoint.wants(event.type)
    ]
    if deliveries:
        WebhookDelivery.objects.bulk_create(deliveries)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> timedelta:
    base = settings.HITL["WEBHOOK_BACKOFF_BASE_SECONDS"]
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def webhooks_deliver_due(*, client: httpx.Client | None = None, now: datetime | None = None) -> int:
    """One pass over active endpoints; returns how many deliveries succeeded."""
    own_client = client is None
    client = client or outgoing.client(timeout=settings.HITL["WEBHOOK_TIMEOUT_SECONDS"])
    delivered = 0
    try:
        endpoint_ids = list(
            WebhookEndpoint.objects.filter(active=True, deliveries__status=D.PENDING)
            .distinct()
            .values_list("pk", flat=True)
        )
        for endpoint_id in endpoint_ids:
            delivered += _deliver_endpoint(endpoint_id, client, now or timezone.now())
    finally:
        if own_client:
            client.close()
    return delivered


@transaction.atomic
def _deliver_endpoint(endpoint_id: int, client: httpx.Client, now: datetime) -> int:
    # The endpoint's row lock keeps a second worker off it, which keeps deliveries in order.
    endpoint = (
        WebhookEndpoint.objects.select_for_update(skip_locked=True)
        .filter(pk=endpoint_id, active=True)
        .first()
    )
    if endpoint is None:
        return 0
    pending = (
        endpoint.deliveries.filter(status=D.PENDING)
        .select_related("event__bot")
        .order_by("event_id")[:BATCH]
    )
    delivered = 0
    for delivery in pending:
        if delivery.next_attempt_at and delivery.next_attempt_at > now:
            break
        if not _attempt(endpoint, delivery, client, now):
            break
        delivered += 1
    return delivered


def webhook_body(endpoint: WebhookEndpoint, event: Event) -> dict[str, Any]:
    """The event as the endpoint's format asks: hitl's envelope, or what Botpress HITL-next's
    eventsWebHook posts (modules/hitlnext/src/backend/webhook.ts, from service.ts sendPayload)."""
    envelope = event.envelope()
    if endpoint.format != WebhookEndpoint.Format.BOTPRESS:
        return envelope
    return {
        "botId": envelope["botId"],
        "type": "create" if event.type.endswith(".created") else "update",
        "resource": event.resource,
        "id": event.payload.get("id"),
        "payload": event.payload,
    }


def _attempt(
    endpoint: WebhookEndpoint, delivery: WebhookDelivery, client: httpx.Client, now: datetime
) -> bool:
    body = json.dumps(webhook_body(endpoint, delivery.event), separators=(",", ":")).encode()
    headers = {
        # The receiver's own first (Botpress's eventsWebHook.headers); ours are never replaced.
        **endpoint.headers,
        "Content-Type": "application/json",
        "User-Agent": "hitl-webhooks/1",
        "X-Hitl-Event": delivery.event.type,
        "X-Hitl-Delivery": str(delivery.delivery_id),
        "X-Hitl-Signature": sign(endpoint.secret, body),
    }
    delivery.attempts += 1
    try:
        response = client.post(endpoint.url, content=body, headers=headers)
        delivery.last_status_code = response.status_code
        delivery.last_response = response.text[:1000]
        delivery.last_error = "" if response.is_success else f"HTTP {response.status_code}"
        ok = response.is_success
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        delivery.last_status_code = None
        delivery.last_response = ""
        # The workspace admin reads this: never the low-level reason (a port refused or open).
        delivery.last_error = outgoing.public_reason(error)
        if not isinstance(error, outgoing.AddressNotAllowed):  # logged where it was refused
            logger.warning("webhook endpoint %s: %s: %s", endpoint.pk, type(error).__name__, error)
        ok = False
    if ok:
        delivery.status = D.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        endpoint.consecutive_failures = 0
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
        endpoint.consecutive_failures += 1
        if endpoint.consecutive_failures >= settings.HITL["WEBHOOK_MAX_FAILURES"]:
            endpoint.active = False
            endpoint.disabled_reason = (
                f"Disabled {now:%Y-%m-%d %H:%M} UTC after {endpoint.consecutive_failures} "
                f"consecutive failures; last: {delivery.last_error}"
            )[:300]
            logger.warning("webhook endpoint %s disabled: %s", endpoint.pk, delivery.last_error)
    delivery.save()
    endpoint.save(update_fields=["consecutive_failures", "active", "disabled_reason"])
    return ok
