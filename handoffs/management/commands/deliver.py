from django.conf import settings
from django.core.management.base import BaseCommand

from handoffs.management.worker import WorkerLoop
from handoffs.services.delivery_engine import DeliveryWorker, deliveries_deliver_due


class Command(BaseCommand):
    help = (
        "Send what leaves hitl (webhooks, bot connector, Messenger, e-mail), with retries, "
        "order and a breaker per destination. As many copies as wanted; loops unless --once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run one pass and exit")
        parser.add_argument(
            "--interval", type=float, default=0.5, help="Seconds a thread waits when idle"
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=None,
            help="Destinations served at once (default DELIVERY_THREADS)",
        )

    def handle(self, *args, once: bool, interval: float, threads: int | None, **options) -> None:
        loop = WorkerLoop("deliver")
        if once:
            loop.run(deliveries_deliver_due, interval=interval, once=True)
            return
        # The threads deliver; the loop's passes only record that the worker is alive. SIGTERM
        # sets `stopping`: each thread ends after the delivery under way.
        worker = DeliveryWorker(
            threads=threads or settings.DELIVERY_THREADS, interval=interval, stopping=loop.stopping
        )
        worker.start()
        try:
            loop.run(lambda: None, interval=max(interval, 5.0))
        finally:
            loop.stopping.set()
            worker.join(timeout=settings.DELIVERY_TIMEOUT_SECONDS + 5)
