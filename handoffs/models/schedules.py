"""Business hours: a bot's weekly opening hours and holidays, in the bot's time zone."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from .bots import Bot


class BusinessHours(models.Model):
    """One opening interval on one weekday; a day may have several (a lunch break)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="business_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField(help_text="After opens; split a shift past midnight in two.")

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name_plural = "business hours"

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def clean(self) -> None:
        if self.opens is not None and self.closes is not None and self.closes <= self.opens:
            raise ValidationError({"closes": "Closes must be after opens on the same day."})


class Holiday(models.Model):
    """A day the bot's agents are away, whatever the weekly schedule says."""

    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["bot", "date"], name="unique_holiday_per_bot")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()
