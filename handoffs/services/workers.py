"""What worker processes leave behind of their passes, and the claim of a periodic job that
several workers on several machines must run only once per period."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from ..models import WorkerPass


def worker_pass_record(name: str, *, started_at: datetime, duration: float, ok: bool) -> None:
    changes = {
        "started_at": started_at,
        "duration_seconds": duration,
        "ok": ok,
        "passes": F("passes") + 1,
        "failures": F("failures") + (0 if ok else 1),
    }
    if WorkerPass.objects.filter(name=name).update(**changes):
        return
    try:
        with transaction.atomic():
            WorkerPass.objects.create(
                name=name,
                started_at=started_at,
                duration_seconds=duration,
                ok=ok,
                passes=1,
                failures=0 if ok else 1,
            )
    except IntegrityError:  # another worker created it meanwhile
        WorkerPass.objects.filter(name=name).update(**changes)


def worker_claim_due(name: str, *, every: timedelta) -> bool:
    """True for exactly one caller per period: the one whose update moved the row's clock."""
    now = timezone.now()
    WorkerPass.objects.get_or_create(name=name)
    return bool(
        WorkerPass.objects.filter(Q(started_at__isnull=True) | Q(started_at__lte=now - every))
        .filter(name=name)
        .update(started_at=now)
    )
