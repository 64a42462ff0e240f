import logging

from django.core.management.base import BaseCommand

from handoffs import services
from handoffs.management.worker import WorkerLoop

logger = logging.getLogger("handoffs.sweep")

# A pass gives the day's prune this long at most, so handoffs still expire and agents go
# offline on time while a big prune takes many passes.
PRUNE_SLICE_SECONDS = 5.0


class Command(BaseCommand):
    help = (
        "Periodic housekeeping: expire waiting handoffs, take silent agents offline; once a day,"
        " among all workers, prune."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run one pass and exit")
        parser.add_argument("--interval", type=float, default=15.0, help="Seconds between passes")

    def handle(self, *args, once: bool, interval: float, **options) -> None:
        self.once = once
        self.pruning: services.PruneRun | None = None
        WorkerLoop("sweep").run(self._pass, interval=interval, once=once)

    def _pass(self) -> None:
        expired = services.handoffs_expire_due()
        offline = services.agents_sweep_offline()
        if expired or offline:
            logger.info("%d handoff(s) expired, %d agent(s) went offline", expired, offline)
        self._prune()

    def _prune(self) -> None:
        run = self.pruning or services.prune_claim()
        if run is None:
            return
        self.pruning = run
        try:
            done = run.advance(budget=None if self.once else PRUNE_SLICE_SECONDS)
        except Exception:
            # Recorded as the prune's failed pass; the sweep's own work is not at fault.
            logger.exception("prune failed")
            self.pruning = None
            return
        if done:
            self.pruning = None
            logger.info("pruned %s", services.prune_summary(run.deleted))
