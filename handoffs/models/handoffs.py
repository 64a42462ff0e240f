from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agents.models import Team

from .bots import Bot, Label
from .conversations import Conversation

# Most pressing first: the queue's order within pending handoffs, before their age.
PRIORITIES = ("urgent", "high", "normal", "low")
DEFAULT_PRIORITY = "normal"
# The satisfaction score's range (CSAT, 1 poor to 5 excellent).
CSAT_MIN, CSAT_MAX = 1, 5
# The handoff list's order: the queue first (by priority), then work in progress, then history.
# QUEUE_RANKS names where each status starts.
QUEUE_RANKS = {"pending": 0, "assigned": len(PRIORITIES)}
HISTORY_RANK = QUEUE_RANKS["assigned"] + 1
QUEUE_RANK = models.Case(
    *(
        models.When(status="pending", priority=priority, then=models.Value(rank))
        for rank, priority in enumerate(PRIORITIES)
    ),
    models.When(status="assigned", then=models.Value(QUEUE_RANKS["assigned"])),
    default=models.Value(HISTORY_RANK),
)


class Handoff(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("handoff status", "Pending")
        ASSIGNED = "assigned", pgettext_lazy("handoff status", "Assigned")
        RESOLVED = "resolved", pgettext_lazy("handoff status", "Resolved")
        REJECTED = "rejected", pgettext_lazy("handoff status", "Rejected")
        EXPIRED = "expired", pgettext_lazy("handoff status", "Expired")

    OPEN_STATUSES = (Status.PENDING, Status.ASSIGNED)
    OUTSIDE_HOURS = "outside_business_hours"

    class Priority(models.TextChoices):
        URGENT = "urgent", _("Urgent")
        HIGH = "high", _("High")
        NORMAL = "normal", _("Normal")
        LOW = "low", _("Low")

    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="handoffs")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="handoffs"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handoffs",
    )
    labels = models.ManyToManyField(Label, blank=True, related_name="handoffs")
    priority = models.CharField(max_length=10, choices=Priority.choices, default=DEFAULT_PRIORITY)
    # Who may take it: this team's members (automatic assignment); none: any agent.
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="handoffs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # Set when the agents were told that the handoff is about to expire, so they are told once.
    expiry_warned_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The first agent message of the handoff (SLA's first response); set by message_send_agent.
    # The reports' first-response time reads it too: a column, not a lookup per handoff.
    first_response_at = models.DateTimeField(null=True, blank=True)
    # Why it closed when the status alone does not say (OUTSIDE_HOURS: refused at the request).
    close_reason = models.CharField(max_length=30, blank=True, default="")
    # Issue 24 (services/csat.py): when the rating question was sent, and the user's answer.
    csat_asked_at = models.DateTimeField(null=True, blank=True)
    csat_score = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(CSAT_MIN), MaxValueValidator(CSAT_MAX)],
    )
    csat_comment = models.TextField(blank=True, default="")
    csat_answered_at = models.DateTimeField(null=True, blank=True)
    # Stored and indexed with the bot and id, so a page of the list is a range of an index at
    # any depth; the database derives it from `status`, whatever code writes the status.
    queue_rank = models.GeneratedField(
        expression=QUEUE_RANK, output_field=models.SmallIntegerField(), db_persist=True
    )

    class Meta:
        constraints = [
            # Enforced by the database: a check in Python alone would be a race.
            models.UniqueConstraint(
                fields=["conversation"],
                condition=models.Q(status__in=["pending", "assigned"]),
                name="one_open_handoff_per_conversation",
            )
        ]
        indexes = [
            # The queue alone, in its order (priority, which queue_rank holds, then age):
            # picking the next handoff, its length, and each handoff's place (counted from the
            # index alone, which holds the id too).
            models.Index(
                fields=["bot", "queue_rank", "created_at", "id"],
                condition=models.Q(status="pending"),
                name="handoff_queue_priority_idx",
            ),
            # The list's order and cursor (see selectors.handoff_list).
            models.Index(fields=["bot", "queue_rank", "id"], name="handoff_list_idx"),
            # The workspace's "newest first": by status, then newest (PostgreSQL cannot read
            # the index above backwards for one column only).
            models.Index(fields=["bot", "queue_rank", "-id"], name="handoff_list_newest_idx"),
            models.Index(fields=["agent", "status"], name="handoff_agent_idx"),
            # Reports read a range of creation days, of every status.
            models.Index(fields=["bot", "created_at"], name="handoff_created_idx"),
        ]

    # Not a column: selectors.handoff_queue_positions sets it on the pending handoffs of a
    # list; HandoffRepresentation counts the queue itself on a handoff without it.
    queue_ahead: int

    def __str__(self) -> str:
        return f"Handoff #{self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES
