from __future__ import annotations

from datetime import timedelta

from django.core.validators import MinValueValidator
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

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["bot", "name"], name="unique_template_per_bot")
        ]

    def __str__(self) -> str:
        return self.name
