from django.core.management.base import BaseCommand, CommandError

from agents.models import Workspace
from agents.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a workspace; the token is printed alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True, help="Workspace slug")
        parser.add_argument("--name", default="cli", help="A name to recognise the token by")

    def handle(self, *args, workspace: str, name: str, **options) -> None:
        try:
            ws = Workspace.objects.get(slug=workspace)
        except Workspace.DoesNotExist as error:
            raise CommandError(f"No workspace with slug {workspace!r}.") from error
        token, key = api_token_create(workspace=ws, name=name)
        self.stderr.write(f"Token {token.prefix} for {ws.slug}; only its hash is stored:")
        self.stdout.write(key)
