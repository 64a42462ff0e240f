from __future__ import annotations

from django.db import models

from .bots import Bot


class BotpressImport(models.Model):
    """A Botpress row already copied into this bot, so running the import again skips it."""

    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="+")
    table = models.CharField(max_length=40)
    source_id = models.CharField(max_length=64)
    object_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bot", "table", "source_id"], name="unique_botpress_import"
            )
        ]

    def __str__(self) -> str:
        return f"{self.table}:{self.source_id} -> {self.object_id}"
