"""Outgoing webhooks: deliveries are written with their event, then sent by the delivery
workers (delivery_engine): at least once, in event order per endpoint, with backoff; an endpoint
failing for long is disabled with a visible reason.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

import httpx
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from agents.config_cache import remembered

from .. import outbound, outgoing
from ..models import Delivery, Event, WebhookEndpoint
from ..selectors import webhooks_cache_key
from .delivery_engine import destinations_for

logger = logging.getLogger(__name__)

KIND = Delivery.Kind.WEBHOOK


def destination_key(endpoint_id: int) -> str:
    return f"webhook:{endpoint_id}"


def _active(workspace_id: int) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(workspace_id=workspace_id, active=True)


def webhooks_exist(*, workspace_id: int) -> bool:
    """Whether the workspace has an active endpoint. Most have none: that answer is kept a few
    seconds per process, so their events skip the query (and even building it). "Some" is never
    trusted from memory (an endpoint deleted meanwhile would fail the whole transaction): the
    endpoints are read fresh."""
    return bool(
        remembered(webhooks_cache_key(workspace_id), lambda: _active(workspace_id).exists())
    )


def webhook_deliveries_create(*, event: Event) -> None:
    """Called in the event's own transaction, so no committed event lacks its deliveries."""
    if event.recipient_id is not None:
        # One agent's notification: private to that person, never sent to external systems.
        return

    if not webhooks_exist(workspace_id=event.workspace_id):
        return
    endpoints = [endpoint for endpoint in _active(event.workspace_id) if endpoint.wants(event.type)]
    if not endpoints:
        return
    destinations = destinations_for(
        keys=[destination_key(endpoint.pk) for endpoint in endpoints], kind=KIND
    )
    deliveries = [
        Delivery(
            kind=KIND,
            destination=destinations[destination_key(endpoint.pk)],
            workspace_id=event.workspace_id,
            endpoint=endpoint,
            event=event,
        )
        for endpoint in endpoints
    ]
    if deliveries:
        Delivery.objects.bulk_create(deliveries)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


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


def webhook_send(delivery: Delivery, client: httpx.Client) -> outbound.Outcome:
    """The delivery engine's sender for webhooks; counts the endpoint's consecutive failures."""
    endpoint = delivery.endpoint
    assert endpoint is not None and delivery.event is not None
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
    try:
        response = client.post(endpoint.url, content=body, headers=headers)
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        # The workspace admin reads this: never the low-level reason (a port refused or open).
        if not isinstance(error, outgoing.AddressNotAllowed):  # logged where it was refused
            logger.warning("webhook endpoint %s: %s: %s", endpoint.pk, type(error).__name__, error)
        outcome = outbound.Outcome(
            ok=False, final=outgoing.never_retried(error), error=outgoing.public_reason(error)
        )
    else:
        outcome = outbound.Outcome(
            ok=response.is_success,
            status_code=response.status_code,
            response=response.text[:1000],
            error="" if response.is_success else f"HTTP {response.status_code}",
        )
    _count(endpoint, outcome)
    return outcome


def _count(endpoint: WebhookEndpoint, outcome: outbound.Outcome) -> None:
    if outcome.ok:
        endpoint.consecutive_failures = 0
    else:
        endpoint.consecutive_failures += 1
        if endpoint.consecutive_failures >= settings.HITL["WEBHOOK_MAX_FAILURES"]:
            endpoint.active = False
            endpoint.disabled_reason = (
                f"Disabled {timezone.now():%Y-%m-%d %H:%M} UTC after "
                f"{endpoint.consecutive_failures} consecutive failures; last: {outcome.error}"
            )[:300]
            logger.warning("webhook endpoint %s disabled: %s", endpoint.pk, outcome.error)
    endpoint.save(update_fields=["consecutive_failures", "active", "disabled_reason"])
