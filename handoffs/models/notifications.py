from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from agents.models import Workspace

from .bots import Bot
from .conversations import Conversation
from .handoffs import Handoff


class Notification(models.Model):
    """One agent's copy of an alert; each recipient reads (and marks) their own."""

    class Kind(models.TextChoices):
        HANDOFF_NEW = "handoff_new", _("New handoff")
        HANDOFF_ASSIGNED = "handoff_assigned", _("Handoff assigned to you")
        HANDOFF_TRANSFERRED = "handoff_transferred", _("Handoff transferred to you")
        USER_MESSAGE = "user_message", _("A user wrote in your conversation")
        HANDOFF_EXPIRING = "handoff_expiring", _("Handoff about to expire")
        CUSTOM = "custom", _("From a bot or an external system")
        HANDOFF_REQUEUED = "handoff_requeued", _("Handoff back in the queue")
        SLA_WARNING = "sla_warning", _("Handoff near or past its SLA target")
        MENTION = "mention", _("A colleague mentioned you in a note")

    class Level(models.TextChoices):
        INFO = "info", _("Info")
        SUCCESS = "success", _("Success")
        WARNING = "warning", _("Warning")
        ERROR = "error", _("Error")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="notifications")
    # No index of its own: notification_inbox_idx starts with it.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    # The bot whose API serves the notification; every cause today comes with one.
    bot = models.ForeignKey(Bot, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.INFO)
    message = models.CharField(max_length=500)
    link = models.CharField(max_length=500, blank=True)
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    handoff = models.ForeignKey(
        Handoff, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The bell: a recipient's unread ones, newest first, and the unread count.
            models.Index(fields=["recipient", "read_at", "id"], name="notification_inbox_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: {self.message[:40]}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
