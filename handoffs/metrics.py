"""What `/metrics` reports of the domain (hitl_project/metrics.py serves it).

Two kinds: counters and gauges this process keeps as things happen (events it published, its
open sockets, its failed sends), and figures read from the database at each scrape
(`DatabaseCollector`: the queue per bot, the webhook and outbound backlogs, the workers' last
passes). Every web process answers both; the database figures are the same from each, so a
dashboard takes their `max`, and sums the per-process ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from .models import WorkerPass

EVENTS_PUBLISHED = Counter(
    "hitl_events_published", "Outbox events this process published to the channel layer", ["type"]
)
PUBLISH_FAILURES = Counter(
    "hitl_event_publish_failures", "Publishes to the channel layer that failed (replay recovers)"
)
PUBLISH_LAG = Histogram(
    "hitl_event_publish_lag_seconds",
    "From an event's write to its publish, after its transaction committed",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
EVENTS_RECOVERED = Counter(
    "hitl_events_recovered",
    "Events the outbox watcher sent to sockets that missed them live (dropped publishes)",
)
SOCKETS = Gauge("hitl_websockets_open", "WebSockets open in this process", ["kind"])
DELIVERIES_SENT = Counter(
    "hitl_deliveries_sent", "Deliveries this process's workers sent successfully", ["kind"]
)
DELIVERY_FAILURES = Counter(
    "hitl_delivery_failures",
    "Delivery attempts (webhook, bot, Messenger, e-mail) this process's workers saw fail",
    ["kind"],
)


class DatabaseCollector(Collector):
    """Read at each scrape: a handful of aggregate queries, each on an index."""

    def describe(self) -> list[Metric]:
        # Without it, registering would run collect(), and the queries, at start-up.
        return []

    def collect(self) -> Iterator[Metric]:
        from .models import Delivery, Handoff, Message, WorkerPass

        now = timezone.now()
        pending = GaugeMetricFamily(
            "hitl_handoffs_pending", "Handoffs waiting for an agent", labels=["bot"]
        )
        oldest = GaugeMetricFamily(
            "hitl_handoff_oldest_wait_seconds",
            "How long the oldest pending handoff has waited",
            labels=["bot"],
        )
        queues = (
            Handoff.objects.filter(status=Handoff.Status.PENDING)
            .values("bot__bot_id")
            .annotate(count=Count("id"), since=Min("created_at"))
        )
        for queue in queues:
            pending.add_metric([queue["bot__bot_id"]], queue["count"])
            oldest.add_metric([queue["bot__bot_id"]], _age(now, queue["since"]))
        yield pending
        yield oldest

        backlog = GaugeMetricFamily(
            "hitl_delivery_backlog", "Deliveries not yet delivered (pending)", labels=["kind"]
        )
        failing = GaugeMetricFamily(
            "hitl_delivery_backlog_failing",
            "Pending deliveries waiting for a retry after a failed attempt",
            labels=["kind"],
        )
        dead = GaugeMetricFamily(
            "hitl_delivery_dead", "Deliveries given up on (dead), until retried", labels=["kind"]
        )
        oldest_delivery = GaugeMetricFamily(
            "hitl_delivery_oldest_pending_seconds",
            "Age of the oldest delivery not yet delivered",
            labels=["kind"],
        )
        rows = (
            Delivery.objects.exclude(status=Delivery.Status.DELIVERED)
            .exclude(endpoint__active=False)
            .values("kind")
            .annotate(
                count=Count("id", filter=Q(status=Delivery.Status.PENDING)),
                failing=Count("id", filter=Q(status=Delivery.Status.PENDING, attempts__gt=0)),
                dead=Count("id", filter=Q(status=Delivery.Status.DEAD)),
                since=Min("created_at", filter=Q(status=Delivery.Status.PENDING)),
            )
        )
        by_kind: dict[str, dict[str, Any]] = {row["kind"]: dict(row) for row in rows}
        empty: dict[str, Any] = {"count": 0, "failing": 0, "dead": 0, "since": None}
        for kind in sorted({*Delivery.Kind.values, *by_kind}):
            row = by_kind.get(kind, empty)
            backlog.add_metric([kind], row["count"])
            failing.add_metric([kind], row["failing"])
            dead.add_metric([kind], row["dead"])
            oldest_delivery.add_metric([kind], _age(now, row["since"]))
        yield from (backlog, failing, dead, oldest_delivery)
        outbound = Message.objects.filter(delivery_status=Message.Delivery.PENDING).aggregate(
            count=Count("id"), since=Min("created_at")
        )
        yield GaugeMetricFamily(
            "hitl_outbound_backlog",
            "Messages to users' channels (Messenger) not yet sent",
            value=outbound["count"],
        )
        yield GaugeMetricFamily(
            "hitl_outbound_oldest_pending_seconds",
            "Age of the oldest message to a user's channel not yet sent",
            value=_age(now, outbound["since"]),
        )
        yield from _worker_metrics(now, WorkerPass.objects.all())


def _age(now: datetime, since: datetime | None) -> float:
    return (now - since).total_seconds() if since is not None else 0.0


def _worker_metrics(now: datetime, passes: Iterable[WorkerPass]) -> Iterator[Metric]:
    duration = GaugeMetricFamily(
        "hitl_worker_last_pass_duration_seconds",
        "How long a worker's last pass took",
        labels=["worker"],
    )
    age = GaugeMetricFamily(
        "hitl_worker_last_pass_age_seconds",
        "Since a worker's last pass began: a worker that stopped shows a growing age",
        labels=["worker"],
    )
    ok = GaugeMetricFamily(
        "hitl_worker_last_pass_ok", "1 when a worker's last pass succeeded", labels=["worker"]
    )
    total = CounterMetricFamily("hitl_worker_passes", "Passes a worker made", labels=["worker"])
    failures = CounterMetricFamily(
        "hitl_worker_pass_failures", "Passes of a worker that failed", labels=["worker"]
    )
    for row in passes:
        if row.started_at is None:
            continue
        duration.add_metric([row.name], row.duration_seconds)
        age.add_metric([row.name], _age(now, row.started_at))
        ok.add_metric([row.name], 1 if row.ok else 0)
        total.add_metric([row.name], row.passes)
        failures.add_metric([row.name], row.failures)
    yield from (duration, age, ok, total, failures)


_registered = False


def register_database_collector() -> None:
    global _registered
    if not _registered:
        REGISTRY.register(DatabaseCollector())
        _registered = True
