"""What a test runs in place of the `deliver` workers: a pass over the deliveries due."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from handoffs.services.delivery_engine import deliveries_deliver_due


def deliver_due(*, passes: int = 1) -> int:
    """`passes` worker passes, each an hour after the last, so every retry is due; returns how
    many deliveries went out."""
    start = timezone.now()
    return sum(deliveries_deliver_due(now=start + timedelta(hours=n)) for n in range(passes))
