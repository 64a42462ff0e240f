from .deliver import Command as DeliverCommand


class Command(DeliverCommand):
    help = "Alias of `deliver` (it sends webhooks and every other delivery)."
