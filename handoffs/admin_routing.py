"""The bot admin's business hours and holidays (issue 23), validated as a whole: one interval
may not overlap another on the same weekday, nor a holiday repeat."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from agents.admin_scoping import WorkspaceScopedInline

from .models import BusinessHours, Holiday

# The bot admin's fieldset for the routing options; every one is off by default.
ROUTING_FIELDSETS: list[Any] = [
    (
        "Abandoned handoffs",
        {"fields": ["offline_requeue_after", "first_response_limit"]},
    ),
    (
        "Business hours (the schedule and holidays are below)",
        {"fields": ["business_hours_timezone", "outside_hours_action", "out_of_office_message"]},
    ),
    (
        "Queue position for the user",
        {
            "fields": [
                "queue_position_updates",
                "queue_position_message",
                "queue_position_step",
                "queue_position_interval",
            ]
        },
    ),
    ("SLA", {"fields": ["sla_first_response", "sla_resolution", "sla_warning_percent"]}),
]


def _kept(formset: BaseInlineFormSet) -> list[dict[str, Any]]:
    return [
        form.cleaned_data
        for form in formset.forms
        if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
    ]


class BusinessHoursFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        by_day: dict[int, list[tuple[Any, Any]]] = {}
        for row in _kept(self):
            if row.get("opens") is None or row.get("closes") is None:
                continue
            by_day.setdefault(row["weekday"], []).append((row["opens"], row["closes"]))
        for weekday, intervals in by_day.items():
            intervals.sort()
            for (_, closes), (opens, _) in zip(intervals, intervals[1:], strict=False):
                if opens < closes:
                    day = BusinessHours.Weekday(weekday).label
                    raise ValidationError(f"Business hours overlap on {day}.")


class HolidayFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        dates = [row["date"] for row in _kept(self) if row.get("date")]
        if len(dates) != len(set(dates)):
            raise ValidationError("A holiday is listed twice.")


class BusinessHoursInline(WorkspaceScopedInline, admin.TabularInline):
    model = BusinessHours
    formset = BusinessHoursFormSet
    extra = 0


class HolidayInline(WorkspaceScopedInline, admin.TabularInline):
    model = Holiday
    formset = HolidayFormSet
    extra = 0
