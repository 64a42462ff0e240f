from __future__ import annotations

from django.db import models

from agents.models import Workspace

from .bots import Bot


class Event(models.Model):
    """The outbox: one row per state change, written in the transaction that made it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="events")
    bot = models.ForeignKey(Bot, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=40)
    resource = models.CharField(max_length=20)
    payload = models.JSONField(default=dict)
    # Set for events the end user's web chat must see; the publisher also sends them there.
    conversation_id = models.BigIntegerField(null=True, blank=True)
    # Set for one agent's private events (notifications): only that agent's group gets them,
    # replay shows them to nobody else, and webhooks skip them.
    recipient_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["workspace", "id"], name="event_replay_idx")]

    def __str__(self) -> str:
        return f"{self.id} {self.type}"

    def envelope(self) -> dict:
        """The JSON every consumer of the stream gets: WebSocket, webhook or replay."""
        return {
            "id": self.id,
            "type": self.type,
            "botId": self.bot.bot_id if self.bot is not None else None,
            "resource": self.resource,
            "payload": self.payload,
            "createdAt": self.created_at.isoformat().replace("+00:00", "Z"),
        }
