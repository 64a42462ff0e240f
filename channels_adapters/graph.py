"""Meta's Graph API as Messenger and WhatsApp use it: the webhook's subscription check and
body signature, and JSON bodies posted one after the other to a `/messages` edge."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import httpx

from handoffs.models import Delivery
from handoffs.outbound import Outcome

from .bot_connector import http_outcome, unreachable

SIGNATURE_HEADER = "X-Hub-Signature-256"
# Meta batches a page's or a number's events, but a batch stays far below this.
MAX_BODY_BYTES = 512 * 1024


def verify_subscription(*, verify_token: str, params: dict[str, str]) -> str | None:
    """The challenge to echo when Meta subscribes with our verify token, else None."""
    token = params.get("hub.verify_token", "")
    if params.get("hub.mode") == "subscribe" and hmac.compare_digest(token, verify_token):
        return params.get("hub.challenge", "")
    return None


def signature_valid(*, app_secret: str, body: bytes, header: str | None) -> bool:
    """Whether X-Hub-Signature-256 is the HMAC-SHA256 of the exact body with the app secret."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header.removeprefix("sha256="), expected)


def post_each(
    client: httpx.Client,
    *,
    url: str,
    token: str,
    delivery: Delivery,
    bodies: list[dict[str, Any]],
    service: str,
    on_sent: Callable[[httpx.Response], None] | None = None,
) -> Outcome:
    """POST each body in order; the first refusal ends it, and a retry sends every part again
    (at least once)."""
    # A header, not the documented ?access_token=: request URLs end up in logs.
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "X-Hitl-Delivery": str(delivery.delivery_id),
    }
    outcome = Outcome(ok=True)
    for body in bodies:
        try:
            response = client.post(url, content=json.dumps(body).encode(), headers=headers)
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            return unreachable(error, service=service)
        outcome = http_outcome(response, service=service)
        if not outcome.ok:
            return outcome
        if on_sent is not None:
            on_sent(response)
    return outcome
