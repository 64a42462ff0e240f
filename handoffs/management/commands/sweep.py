import logging
from datetime import timedelta

from django.core.management.base import BaseCommand

from handoffs import services
from handoffs.management.worker import WorkerLoop
from handoffs.services import abandoned, queue_position, sla

logger = logging.getLogger("handoffs.sweep")

# A pass gives the day's prune this long at most, so handoffs still expire and agents go
# offline on time while a big prune takes many passes.
PRUNE_SLICE_SECONDS = 5.0
# Among several sweep workers, one tells queue positions per period (messages to users).
QUEUE_POSITION_EVERY = timedelta(seconds=10)


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
        try:
            self._routing()
        except Exception:
            # Logged; the pass goes on, so one bot's bad data never stops the day's prune.
            logger.exception("routing checks failed")
        self._prune()

    def _routing(self) -> None:
        """Issue 23's periodic checks; each does nothing for bots that leave its option off."""
        requeued = abandoned.handoffs_requeue_abandoned()
        breaches = sla.handoffs_check_sla()
        told = 0
        if services.worker_claim_due("queue_position", every=QUEUE_POSITION_EVERY):
            told = queue_position.queue_positions_announce()
        if requeued or breaches or told:
            logger.info(
                "%d abandoned handoff(s) requeued, %d SLA breach(es), %d position(s) told",
                requeued,
                breaches,
                told,
            )

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
