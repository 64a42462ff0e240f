"""SLA alerts: one row per handoff, target and stage (near, breached), the proof that it was
announced once. Reports count the breached ones."""

from __future__ import annotations

from django.db import models

from .handoffs import Handoff


class SlaBreach(models.Model):
    class Target(models.TextChoices):
        FIRST_RESPONSE = "first_response", "First response"
        RESOLUTION = "resolution", "Resolution"

    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="sla_breaches")
    # Denormalized from the handoff so reports count a bot's breaches in one indexed range.
    bot = models.ForeignKey("handoffs.Bot", on_delete=models.CASCADE, related_name="+")

    class Stage(models.TextChoices):
        NEAR = "near", "Near the target"
        BREACHED = "breached", "Past the target"

    target = models.CharField(max_length=20, choices=Target.choices)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.BREACHED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # Two sweeps at once: the second insert fails, so the event is written once.
            models.UniqueConstraint(
                fields=["handoff", "target", "stage"], name="one_sla_alert_per_stage"
            )
        ]
        indexes = [models.Index(fields=["bot", "created_at"], name="sla_breach_bot_idx")]

    def __str__(self) -> str:
        return f"{self.target} {self.stage} of handoff {self.handoff_id}"
