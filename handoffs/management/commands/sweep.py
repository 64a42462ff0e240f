import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from handoffs import services

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Periodic housekeeping: take silent agents offline. Loops unless --once."

    def add_arguments(self, parser):  # noqa: ANN001, ANN201
        parser.add_argument("--once", action="store_true", help="Run one pass and exit")
        parser.add_argument("--interval", type=float, default=15.0, help="Seconds between passes")

    def handle(self, *args, once: bool, interval: float, **options) -> None:  # noqa: ANN002, ANN003
        while True:
            self._pass()
            if once:
                return
            time.sleep(interval)

    def _pass(self) -> None:
        close_old_connections()
        try:
            offline = services.agents_sweep_offline()
        except Exception:
            # One failed pass (a database restart, say) must not end the worker.
            logger.exception("sweep pass failed")
            return
        if offline:
            self.stdout.write(f"{offline} agent(s) went offline")
