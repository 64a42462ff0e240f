"""Per-bot channel settings, and the record that keeps exit events to the bot at most once."""

from __future__ import annotations

import secrets

from django.core.validators import RegexValidator
from django.db import models

from handoffs.models import Bot, Handoff


class ConnectorSettings(models.Model):
    """How a bot hears its users when no external bot is connected."""

    bot = models.OneToOneField(Bot, on_delete=models.CASCADE, related_name="connector_settings")

    class ExitEvents(models.TextChoices):
        HITL = "hitl", "hitl: a rejected handoff is noAgent"
        BOTPRESS = (
            "botpress",
            (
                "Botpress: a rejected handoff is handoffResolved; noAgent only when no agent was "
                "online to take it"
            ),
        )

    demo_bot_enabled = models.BooleanField(
        default=False,
        help_text="Answer with the built-in demo bot when the bot has no webhook URL.",
    )
    exit_events = models.CharField(
        max_length=10,
        choices=ExitEvents.choices,
        default=ExitEvents.HITL,
        help_text='Which exit type the bot hears when a handoff is rejected (README "What the '
        'bot learns").',
    )

    class Meta:
        verbose_name = "bot connector"
        verbose_name_plural = "bot connectors"

    def __str__(self) -> str:
        return f"Connector of {self.bot}"


class MessengerSettings(models.Model):
    """A Facebook page connected to a bot: its webhook secrets and its Send API token."""

    bot = models.OneToOneField(Bot, on_delete=models.CASCADE, related_name="messenger_settings")
    page_id = models.CharField(max_length=64, unique=True)
    verify_token = models.CharField(
        max_length=200, help_text="Any string; type the same in the app's webhook settings."
    )
    app_secret = models.CharField(max_length=200, help_text="Checks X-Hub-Signature-256.")
    page_access_token = models.TextField(help_text="Sends messages through the Send API.")

    class Meta:
        verbose_name = "Messenger page"
        verbose_name_plural = "Messenger pages"

    def __str__(self) -> str:
        return f"Page {self.page_id} -> {self.bot}"


class ExitNotice(models.Model):
    """A closed handoff whose exit event the bot connector already sent.

    A closed handoff can emit `handoff.updated` again (labels), so the unique row, not the
    event, decides that the bot hears about the end of a handoff once.
    """

    handoff = models.OneToOneField(Handoff, on_delete=models.CASCADE, related_name="+")
    exit_type = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.exit_type} for handoff #{self.handoff_id}"


def _webhook_secret() -> str:
    # token_urlsafe's alphabet is the one Telegram allows in secret_token: A-Z a-z 0-9 _ -.
    return secrets.token_urlsafe(32)


class TelegramSettings(models.Model):
    """A Telegram bot (made with @BotFather) connected to a bot: its token and webhook secret."""

    bot = models.OneToOneField(Bot, on_delete=models.CASCADE, related_name="telegram_settings")
    bot_token = models.CharField(
        max_length=200,
        validators=[
            RegexValidator(r"^[0-9]+:[A-Za-z0-9_-]+$", "A token as @BotFather gives it: 123:ABC…")
        ],
        help_text="From @BotFather; sends messages through the Bot API.",
    )
    webhook_secret = models.CharField(
        max_length=256,
        default=_webhook_secret,
        validators=[
            RegexValidator(r"^[A-Za-z0-9_-]{1,256}$", "Only A-Z, a-z, 0-9, _ and - are allowed.")
        ],
        help_text="Telegram sends it in X-Telegram-Bot-Api-Secret-Token; set by the "
        "“Set Telegram webhook” action.",
    )

    class Meta:
        verbose_name = "Telegram bot"
        verbose_name_plural = "Telegram bots"

    def __str__(self) -> str:
        return f"Telegram -> {self.bot}"
