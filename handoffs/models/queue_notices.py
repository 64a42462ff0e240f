"""What a waiting user was last told of their place in the queue (services/queue_position.py)."""

from __future__ import annotations

from django.db import models

from .handoffs import Handoff


class QueueNotice(models.Model):
    handoff = models.OneToOneField(
        Handoff, on_delete=models.CASCADE, primary_key=True, related_name="queue_notice"
    )
    position = models.PositiveIntegerField()
    told_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"handoff {self.handoff_id}: told {self.position}"
