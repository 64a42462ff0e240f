from django.core.management.base import BaseCommand

from handoffs import services


class Command(BaseCommand):
    help = (
        "Delete what is past its retention: old outbox events, delivered webhooks, read"
        " notifications, expired sessions and socket leases, and each bot's closed"
        " conversations past its conversation retention. The worker runs it daily."
    )

    def handle(self, *args, **options) -> None:
        deleted = services.prune()
        self.stdout.write(f"Deleted {services.prune_summary(deleted)}.")
