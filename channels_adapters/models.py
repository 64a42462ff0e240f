"""Per-bot channel settings, and the record that keeps exit events to the bot at most once."""

from __future__ import annotations

import secrets

from django.core.validators import RegexValidator
from django.db import models

from handoffs.models import Bot, Handoff, Message


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


class WhatsAppSettings(models.Model):
    """A WhatsApp Business phone number connected to a bot (Cloud API): its webhook secrets,
    its access token, and the message templates agents may send outside the 24-hour window."""

    bot = models.OneToOneField(Bot, on_delete=models.CASCADE, related_name="whatsapp_settings")
    phone_number_id = models.CharField(
        max_length=64, unique=True, help_text="WhatsApp Manager > API setup: Phone number ID."
    )
    waba_id = models.CharField(
        "WhatsApp Business account id",
        max_length=64,
        help_text="The webhook's entry id; events of another account are ignored.",
    )
    verify_token = models.CharField(
        max_length=200, help_text="Any string; type the same in the app's webhook settings."
    )
    app_secret = models.CharField(max_length=200, help_text="Checks X-Hub-Signature-256.")
    access_token = models.TextField(help_text="A system user's token: sends messages and media.")
    template_names = models.TextField(
        blank=True,
        help_text="Approved message templates agents may send once the 24-hour window is "
        "closed: one per line, its name and language code (e.g. `order_update en_US`).",
    )

    class Meta:
        verbose_name = "WhatsApp number"
        verbose_name_plural = "WhatsApp numbers"

    def __str__(self) -> str:
        return f"WhatsApp {self.phone_number_id} -> {self.bot}"

    @property
    def templates(self) -> dict[str, str]:
        """Template name -> language code, as configured (en_US when no language is given)."""
        found: dict[str, str] = {}
        for line in self.template_names.splitlines():
            parts = line.split()
            if parts:
                found[parts[0]] = parts[1] if len(parts) > 1 else "en_US"
        return found


class WhatsAppMedia(models.Model):
    """A picture, recording, video or document a WhatsApp user sent: Meta keeps it behind the
    access token, so a delivery worker fetches it once and hitl serves it to the agents."""

    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="+")
    # Goes with the message that brought it (erasure, retention): the agents' view of it ends.
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    media_id = models.CharField(max_length=100)
    mime_type = models.CharField(max_length=100, blank=True)
    # Random, so the file's address under MEDIA_URL cannot be guessed; agents read it through
    # the channel's media view, which checks their workspace.
    file = models.FileField(upload_to="whatsapp/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bot", "media_id"], name="one_whatsapp_media_per_id")
        ]

    def __str__(self) -> str:
        return f"WhatsApp media {self.media_id}"


class WhatsAppSentMessage(models.Model):
    """The WhatsApp message id (wamid) of a message we sent, so the statuses Meta reports later
    (sent, delivered, read, failed) find their message."""

    wamid = models.CharField(max_length=200, unique=True)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return self.wamid


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
