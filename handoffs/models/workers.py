from __future__ import annotations

from django.db import models


class WorkerPass(models.Model):
    """The last pass of each kind of worker (`sweep`, `webhooks`, `prune`): what `/metrics`
    reports of processes it cannot scrape, and the clock of the daily prune, which one worker
    among several claims by a conditional update of its row."""

    name = models.CharField(max_length=40, primary_key=True)
    started_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(default=0)
    ok = models.BooleanField(default=True)
    passes = models.BigIntegerField(default=0)
    failures = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return self.name
