from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from agents.models import Team

from .bots import Bot


class TeamRule(models.Model):
    """A bot's routing rule: a handoff tagged `tag` goes to `team` (if no team was named)."""

    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="team_rules")
    tag = models.CharField(max_length=60)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="rules")

    class Meta:
        ordering = ["tag"]
        constraints = [models.UniqueConstraint(fields=["bot", "tag"], name="one_team_rule_per_tag")]

    def __str__(self) -> str:
        return f"{self.tag} -> {self.team}"

    def clean(self) -> None:
        if self.team_id and self.bot_id and self.team.workspace_id != self.bot.workspace_id:
            raise ValidationError({"team": "The team must be of the bot's workspace."})
