from django.core.management.base import BaseCommand, CommandError

from handoffs.models import Bot
from handoffs.services.botpress_import import BotpressImportError, botpress_import


class Command(BaseCommand):
    help = (
        "Copy a Botpress v12 database's HITL history into an existing hitl bot: HITL-next"
        " handoffs (tags become labels) and comments (notes), legacy HITL sessions"
        " (conversations) and messages, and srv_channel_users attributes (user variables; hitl's"
        " own keys win). Running it again adds only rows not imported yet. Botpress agent ids"
        " have no hitl account, so handoffs come without an agent and assigned ones come back"
        " pending; of several open handoffs of a conversation the newest stays open, the others"
        " are expired. Nothing is sent and no event is written: it is history. Botpress's"
        " `events` table is not copied."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--database-url",
            required=True,
            help="The Botpress database: sqlite:///path/to/botpress.sqlite or postgres://...",
        )
        parser.add_argument("--bot", required=True, help="The hitl bot's bot_id to import into")
        parser.add_argument(
            "--botpress-bot",
            default=None,
            help="The Botpress botId whose rows to copy (default: the same as --bot)",
        )

    def handle(self, *args, database_url: str, bot: str, botpress_bot: str | None, **options):
        target = Bot.objects.filter(bot_id=bot).first()
        if target is None:
            raise CommandError(f"No hitl bot {bot!r}: create it first.")
        try:
            report = botpress_import(
                bot=target, database_url=database_url, botpress_bot_id=botpress_bot
            )
        except BotpressImportError as error:
            raise CommandError(str(error)) from error
        for line in report.lines():
            self.stdout.write(line)
