from django.conf import settings
from django.core.management.base import BaseCommand

from handoffs import outgoing
from handoffs.management.worker import WorkerLoop
from handoffs.services.webhooks import webhooks_deliver_due


class Command(BaseCommand):
    help = "Send pending webhook deliveries, with retries and backoff. Loops unless --once."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run one pass and exit")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between passes")

    def handle(self, *args, once: bool, interval: float, **options) -> None:
        with outgoing.client(timeout=settings.HITL["WEBHOOK_TIMEOUT_SECONDS"]) as client:
            WorkerLoop("webhooks").run(
                lambda: webhooks_deliver_due(client=client), interval=interval, once=once
            )
