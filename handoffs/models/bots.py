from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from agents.models import Workspace

from ..outgoing import validate_url


def default_transfer_message() -> dict[str, str]:
    return {
        "en": "You are being transferred to an agent.",
        "fr": "Vous êtes transféré(e) à un agent.",
        "es": "Está siendo transferido a un agente.",
    }


def default_assign_message() -> dict[str, str]:
    return {
        "en": "You have been assigned to our agent {{agentName}}.",
        "fr": "Vous avez été assigné(e) à notre agent {{agentName}}.",
        "es": "Ha sido asignado a nuestro agente {{agentName}}.",
    }


def empty_messages() -> dict[str, str]:
    return {}


def default_queue_position_message() -> dict[str, str]:
    return {
        "en": "You are number {{position}} in line (about {{estimatedWait}} min).",
        "fr": "Vous êtes numéro {{position}} dans la file (environ {{estimatedWait}} min).",
        "es": "Usted es el número {{position}} en la fila (unos {{estimatedWait}} min).",
    }


def default_csat_question() -> dict[str, str]:
    return {
        "en": "How would you rate the help you received, from 1 (poor) to 5 (excellent)?",
        "fr": "Comment évaluez-vous l'aide reçue, de 1 (mauvaise) à 5 (excellente) ?",
        "es": "¿Cómo valora la ayuda recibida, de 1 (mala) a 5 (excelente)?",
    }


def default_csat_thanks() -> dict[str, str]:
    return {
        "en": "Thank you for your feedback!",
        "fr": "Merci pour votre avis !",
        "es": "¡Gracias por su opinión!",
    }


def validate_timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(f"Unknown time zone: {value!r}.") from error


class OutsideHours(models.TextChoices):
    QUEUE = "queue", "Queue, with the out-of-office message"
    REFUSE = "refuse", "Refuse (the bot hears outsideBusinessHours)"


class Bot(models.Model):
    """A chatbot and its handoff settings, editable by workspace administrators."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="bots")
    bot_id = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    default_language = models.CharField(max_length=10, default="en")
    transfer_message = models.JSONField(default=default_transfer_message, blank=True)
    assign_message = models.JSONField(
        default=default_assign_message, blank=True, help_text="{{agentName}} is replaced."
    )
    resolve_message = models.JSONField(default=empty_messages, blank=True)
    expire_message = models.JSONField(default=empty_messages, blank=True)
    template_trigger = models.CharField(max_length=3, default=":")
    auto_assign = models.BooleanField(default=False)
    agent_capacity = models.PositiveIntegerField(default=3)
    handoff_timeout = models.DurationField(
        null=True, blank=True, help_text="Pending handoffs expire after it; empty: never."
    )
    agent_session_timeout = models.DurationField(default=timedelta(minutes=10))
    handoff_alert = models.PositiveIntegerField(
        default=5, help_text="Minutes after which a pending handoff shows as urgent."
    )
    message_count = models.PositiveIntegerField(default=10)
    default_username = models.BooleanField(
        default=False, help_text="Give anonymous users a random friendly name."
    )
    enable_conversation_deletion = models.BooleanField(default=False)
    email_alerts = models.BooleanField(
        default=False, help_text="E-mail the workspace's online agents about each new handoff."
    )
    conversation_retention_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="The daily prune deletes a closed conversation (no open handoff, bot not "
        "paused) silent for this many days, with its messages, notes and handoffs; empty: "
        "kept forever.",
    )
    # Issue 23 (routing): every option below is off by default, so a bot that sets none of them
    # behaves as before. Abandoned handoffs (services/abandoned.py):
    offline_requeue_after = models.DurationField(
        null=True,
        blank=True,
        help_text="An assigned handoff whose agent has been offline (and silent) this long goes "
        "back to the queue; empty: never.",
    )
    first_response_limit = models.DurationField(
        null=True,
        blank=True,
        help_text="An assigned handoff without an agent message this long after its assignment "
        "goes back to the queue; empty: never.",
    )
    # Business hours (services/business_hours.py, models/schedules.py).
    business_hours_timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="The zone of the weekly schedule and holidays (IANA name, e.g. Europe/Paris).",
    )
    outside_hours_action = models.CharField(
        max_length=10,
        choices=OutsideHours.choices,
        default=OutsideHours.QUEUE,
        help_text="Outside business hours a handoff request queues (with the out-of-office "
        "message) or is refused (the bot hears outsideBusinessHours).",
    )
    out_of_office_message = models.JSONField(
        default=empty_messages,
        blank=True,
        help_text="Sent after the transfer message outside business hours; {{nextOpening}} is "
        "replaced.",
    )
    # Queue position for the user (services/queue_position.py).
    queue_position_updates = models.BooleanField(
        default=False, help_text="Tell waiting users their place in the queue."
    )
    queue_position_message = models.JSONField(
        default=default_queue_position_message,
        blank=True,
        help_text="{{position}} and {{estimatedWait}} (minutes) are replaced.",
    )
    queue_position_step = models.PositiveIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text="Tell the user again once their place improved by this many.",
    )
    queue_position_interval = models.DurationField(
        default=timedelta(minutes=1), help_text="At most one position message per user this often."
    )
    # SLA (services/sla.py).
    sla_first_response = models.DurationField(
        null=True, blank=True, help_text="Target from the request to the first agent message."
    )
    sla_resolution = models.DurationField(
        null=True, blank=True, help_text="Target from the request to its resolution."
    )
    sla_warning_percent = models.PositiveIntegerField(
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="A handoff is marked as near its target once this share of it has passed.",
    )
    # Issue 24: satisfaction survey after a resolved handoff (services/csat.py); off by default.
    csat_enabled = models.BooleanField(
        default=False,
        help_text="After an agent resolves a handoff, ask the user for a 1-5 rating.",
    )
    csat_question = models.JSONField(
        default=default_csat_question,
        blank=True,
        help_text="The rating question per language; the user answers with 1 to 5.",
    )
    csat_thanks_message = models.JSONField(
        default=default_csat_thanks,
        blank=True,
        help_text="Sent after the user's rating; empty: nothing is sent.",
    )
    bot_webhook_url = models.URLField(blank=True, validators=[validate_url])
    bot_webhook_secret = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name or self.bot_id


class Label(models.Model):
    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=60)
    color = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["bot", "name"], name="unique_label_per_bot")]

    def __str__(self) -> str:
        return self.name


class MessageTemplate(models.Model):
    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="templates")
    name = models.CharField(max_length=60, help_text="What the agent types after the trigger.")
    text = models.TextField()
    choices = models.TextField(
        blank=True,
        default="",
        help_text="Quick replies sent with the text, one a line: the user clicks one instead "
        "of typing (buttons in the web chat, Messenger, WhatsApp and Telegram).",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["bot", "name"], name="unique_template_per_bot")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def choice_list(self) -> list[dict[str, str]]:
        """The choices as a quick-reply payload carries them (`{"title", "value"}`)."""
        titles = [line.strip() for line in self.choices.splitlines() if line.strip()]
        return [{"title": title, "value": title} for title in titles]
