"""Filters for the first render of the workspace; the page script keeps the same values live."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ..models import Handoff

register = template.Library()


def _parse(value: str | None) -> datetime | None:
    return parse_datetime(value) if value else None


@register.filter
def age(value: str | None) -> str:
    """An ISO time as a short age: "now", "4 min", "2 h", "3 d"."""
    moment = _parse(value)
    if moment is None:
        return ""
    seconds = max(int((timezone.now() - moment).total_seconds()), 0)
    if seconds < 60:
        return _("now")
    if seconds < 3600:
        return _("%(count)d min") % {"count": seconds // 60}
    if seconds < 86400:
        return _("%(count)d h") % {"count": seconds // 3600}
    return _("%(count)d d") % {"count": seconds // 86400}


@register.filter
def older_than(value: str | None, minutes: int) -> bool:
    moment = _parse(value)
    return moment is not None and (timezone.now() - moment).total_seconds() > int(minutes) * 60


@register.filter
def clock(value: str | None) -> str:
    """HH:MM (UTC here; the script shows the agent's local time)."""
    moment = _parse(value)
    return moment.strftime("%H:%M") if moment else ""


@register.filter
def author_label(message: dict | None, user_name: str) -> str:
    if not message:
        return ""
    direction = message.get("direction")
    if direction == "incoming":
        return user_name
    if direction == "agent":
        return (message.get("author") or {}).get("name") or _("Agent")
    return _("Bot") if direction == "outgoing" else _("System")


@register.filter
def variable_label(name: str) -> str:
    return _("Name") if name == "fullName" else name


@register.filter
def handoff_status_label(value: str | None) -> str:
    """A handoff's status as the agent reads it ("pending": "Pending", in their language)."""
    return str(dict(Handoff.Status.choices).get(value or "", value or ""))


@register.filter
def priority_label(value: str | None) -> str:
    return str(dict(Handoff.Priority.choices).get(value or "", value or ""))
