from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import models

from agents.models import Workspace

from ..outgoing import validate_url


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """Where a workspace's events are POSTed, signed with the endpoint's secret."""

    class Format(models.TextChoices):
        HITL = "hitl", "hitl: the event envelope {id, type, botId, resource, payload, createdAt}"
        BOTPRESS = "botpress", "Botpress eventsWebHook: {botId, type, resource, id, payload}"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500, validators=[validate_url])
    secret = models.CharField(max_length=200, default=new_secret)
    event_types = models.JSONField(
        default=list,
        blank=True,
        help_text='Event types to send, e.g. ["handoff.created"]; empty: all.',
    )
    format = models.CharField(
        max_length=10,
        choices=Format.choices,
        default=Format.HITL,
        help_text="The body's shape; `botpress` is what a Botpress eventsWebHook receiver reads.",
    )
    headers = models.JSONField(
        default=dict,
        blank=True,
        help_text="Sent with every delivery, as Botpress's eventsWebHook.headers, e.g. "
        '{"Authorization": "Bearer ..."}.',
    )
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.url

    def clean(self) -> None:
        bad = not isinstance(self.headers, dict) or not all(
            isinstance(name, str)
            and isinstance(value, str)
            and name.strip()
            and (name + value).isascii()
            and "\n" not in name + value
            and "\r" not in name + value
            for name, value in self.headers.items()
        )
        if bad:
            raise ValidationError(
                {"headers": "A JSON object of header names to ASCII text values."}
            )

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types
