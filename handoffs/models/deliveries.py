from __future__ import annotations

import uuid

from django.db import models

from agents.models import Workspace

from .events import Event
from .webhooks import WebhookEndpoint


class DeliveryDestination(models.Model):
    """One receiver (a webhook endpoint, a bot's URL, a Messenger page, the mail server): its
    lease, so one worker at a time sends to it in order, and its circuit breaker."""

    key = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20)
    consecutive_failures = models.PositiveIntegerField(default=0)
    # The breaker: while set and in the future, no worker sends to this destination.
    paused_until = models.DateTimeField(null=True, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return self.key


class Delivery(models.Model):
    """Something that leaves hitl, written in the transaction of the change that causes it and
    sent by `manage.py deliver` (docs/delivery.md)."""

    class Kind(models.TextChoices):
        WEBHOOK = "webhook", "Outgoing webhook"
        BOT = "bot", "Bot connector"
        MESSENGER = "messenger", "Messenger send"
        TELEGRAM = "telegram", "Telegram send"
        EMAIL = "email", "E-mail"
        WHATSAPP = "whatsapp", "WhatsApp send"
        WHATSAPP_MEDIA = "whatsapp_media", "WhatsApp media fetch"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        DEAD = "dead", "Dead"

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.WEBHOOK)
    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    destination = models.ForeignKey(
        DeliveryDestination, on_delete=models.CASCADE, related_name="deliveries"
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # What the kind's sender needs besides the event (a bot body, a message id, a mail).
    payload = models.JSONField(default=dict, blank=True)
    # The idempotency key: X-Hitl-Delivery, the same on every attempt.
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_response = models.TextField(blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="one_delivery_per_event")
        ]
        indexes = [
            models.Index(fields=["destination", "status", "id"], name="delivery_queue_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.delivery_id} -> {self.destination_id} ({self.status})"
