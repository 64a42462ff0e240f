"""Meta's Graph API as the Messenger and WhatsApp senders call it: JSON bodies, one after the
other, to a `/messages` edge with a bearer token."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from handoffs.models import Delivery
from handoffs.outbound import Outcome

from .bot_connector import http_outcome, unreachable


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
