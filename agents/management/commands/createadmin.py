"""`manage.py createadmin`: a deployment's first account (README "Deploying")."""

from __future__ import annotations

import os
import sys
from getpass import getpass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from agents.errors import ApplicationError
from agents.services import workspace_admin_create

# Django's own createsuperuser reads the same variable.
PASSWORD_VARIABLE = "DJANGO_SUPERUSER_PASSWORD"


class Command(BaseCommand):
    help = (
        "Create a superuser who administers a workspace (created if new). Run again for the"
        " same admin, it changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--username", default="", help="The login name (default: the email)")
        parser.add_argument(
            "--workspace", required=True, help="The workspace's name; its slug is made from it"
        )
        parser.add_argument(
            "--password",
            default="",
            help=f"Seen in `ps` and the shell's history: prefer ${PASSWORD_VARIABLE} or the prompt",
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Never prompt for the password",
        )

    def handle(
        self,
        *args: Any,
        email: str,
        username: str,
        workspace: str,
        password: str,
        interactive: bool,
        **options: Any,
    ) -> None:
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"Not an email address: {email!r}.") from error
        username = username or email
        password = password or os.environ.get(PASSWORD_VARIABLE, "")
        if not password:
            password = self._ask_password(interactive)
        try:
            validate_password(password, get_user_model()(username=username, email=email))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        try:
            membership, created = workspace_admin_create(
                username=username, email=email, password=password, workspace_name=workspace
            )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        user, ws = membership.user, membership.workspace
        if created:
            self.stdout.write(
                f"Created {user.username!r}, superuser and admin of the workspace {ws.name!r}"
                f" ({ws.slug}): log in at /admin/ to add its bots and invite agents."
            )
        else:
            self.stdout.write(
                f"{user.username!r} already administers {ws.slug!r}: nothing changed, its"
                " password neither."
            )

    def _ask_password(self, interactive: bool) -> str:
        if not (interactive and sys.stdin.isatty()):
            raise CommandError(
                f"No password: give --password, set {PASSWORD_VARIABLE}, or run it in a terminal."
            )
        password = getpass("Password: ")
        if password != getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        return password
