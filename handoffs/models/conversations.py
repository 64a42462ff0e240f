from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce

from .bots import Bot


class EndUser(models.Model):
    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="end_users")
    channel = models.CharField(max_length=40)
    external_id = models.CharField(max_length=200)
    variables = models.JSONField(default=dict, blank=True)
    # A friendly name ("Calm Otter") given at creation when the bot's `default_username` is on,
    # shown until the user has a fullName: agents tell anonymous visitors apart by it.
    alias = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bot", "channel", "external_id"], name="unique_end_user_per_channel"
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.variables.get("fullName") or self.alias or self.external_id

    @property
    def language(self) -> str | None:
        return self.variables.get("language")


class Conversation(models.Model):
    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="conversations")
    end_user = models.ForeignKey(EndUser, on_delete=models.CASCADE, related_name="conversations")
    channel = models.CharField(max_length=40)
    thread_id = models.CharField(max_length=200, blank=True, default="")
    paused = models.BooleanField(default=False)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_reason = models.CharField(max_length=200, blank=True)
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    # Set with last_message_at where messages are stored: a handoff list shows each user's
    # last words with a join, instead of searching the messages of every conversation.
    last_user_message = models.ForeignKey(
        "Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bot", "channel", "end_user", "thread_id"], name="unique_thread"
            )
        ]
        indexes = [
            models.Index(fields=["bot", "-last_message_at"], name="conv_recent_idx"),
            # The conversations list's order and cursor (see selectors.conversation_list).
            models.Index(
                models.F("bot"),
                Coalesce("last_message_at", "created_at").desc(),
                models.F("id").desc(),
                name="conv_activity_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.channel}:{self.end_user_id}"


class Message(models.Model):
    class Direction(models.TextChoices):
        INCOMING = "incoming", "From the user"
        OUTGOING = "outgoing", "From the bot"
        AGENT = "agent", "From an agent"
        SYSTEM = "system", "System"

    class Delivery(models.TextChoices):
        NONE = "", "Not applicable"
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # Reported by channels that tell (WhatsApp's statuses).
        DELIVERED = "delivered", "Delivered"
        READ = "read", "Read"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(max_length=10, choices=Direction.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    # NULL, not "", so the conditional unique constraint ignores messages without one.
    external_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    delivery_status = models.CharField(max_length=10, choices=Delivery.choices, blank=True)
    delivery_error = models.CharField(max_length=500, blank=True)
    # When a process last took the message to send it: a `pending` message whose attempt is
    # old belongs to a process that died, and the sweep sends it again.
    delivery_attempted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="idempotent_message_external_id",
            )
        ]
        indexes = [
            models.Index(fields=["conversation", "id"], name="message_history_idx"),
            # Holds only messages on their way out: the sweep's look for stale ones stays cheap.
            models.Index(
                fields=["delivery_attempted_at"],
                condition=models.Q(delivery_status="pending"),
                name="message_pending_delivery_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction}: {self.text[:40]}"


class Note(models.Model):
    """An agent's note; it belongs to the conversation so later handoffs of the user show it."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    handoff = models.ForeignKey(
        "handoffs.Handoff", null=True, blank=True, on_delete=models.SET_NULL, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:40]
