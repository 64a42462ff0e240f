"""The reports dashboard's charts: inline SVG built on the server, no script, no inline style.

Colours come from hitl.css through classes (`chart__bar--resolved`, `heat-3`), so the charts
follow the page's light or dark theme and pass the Content-Security-Policy (style-src 'self':
a `style` attribute would be refused; SVG presentation attributes such as `x` and `width` are
not styles). Every chart is `role="img"` with a title; the page shows a table beside each.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django.utils.dates import WEEKDAYS_ABBR
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_lazy, ngettext

OUTCOMES = (
    ("resolved", gettext_lazy("Resolved")),
    ("expired", gettext_lazy("Expired")),
    ("rejected", gettext_lazy("Rejected")),
    ("open", gettext_lazy("Still open")),
)
TIME_SERIES = (
    ("waiting", gettext_lazy("Waiting")),
    ("handling", gettext_lazy("Handling")),
    ("first_response", gettext_lazy("First response")),
)
# Bars drawn per chart at most; the table beside it has every row.
MAX_BARS = 20


def still_open(day: dict[str, Any]) -> int:
    """Handoffs created that day that have not ended (not resolved, expired or rejected)."""
    return day["created"] - day["resolved"] - day["expired"] - day["rejected"]


def duration(seconds: float | None) -> str:
    """A time in the unit people read it in: 45 s, 2.5 min, 1.2 h."""
    if seconds is None:
        return "–"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def nice_ceiling(value: float) -> float:
    """The axis' top: 1, 2 or 5 times a power of ten, at least `value` (and at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop ends at 10


def _svg(chart_id: str, title: str, width: int, height: int, body: list[str]) -> SafeString:
    head = (
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-title" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
    )
    return mark_safe(head + "".join(body) + "</svg>")  # every text in it is escaped


def _text(x: float, y: float, text: str, css: str = "chart__label", anchor: str = "") -> str:
    anchor_attr = f' text-anchor="{anchor}"' if anchor else ""
    return f'<text class="{css}" x="{x:.1f}" y="{y:.1f}"{anchor_attr}>{escape(text)}</text>'


def _rect(x: float, y: float, w: float, h: float, css: str, tip: str) -> str:
    return (
        f'<rect class="{css}" x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" '
        f'height="{max(h, 0):.1f}"><title>{escape(tip)}</title></rect>'
    )


def outcomes_by_day(days: Sequence[dict[str, Any]], *, chart_id: str) -> SafeString:
    """Stacked bars: the handoffs created each day, split by how they ended."""
    width, height, left, right, top, bottom = 720, 240, 44, 10, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = nice_ceiling(max((day["created"] for day in days), default=0))
    body = []
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        body.append(
            f'<line class="chart__grid" x1="{left}" x2="{width - right}" '
            f'y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        body.append(_text(left - 6, y + 4, f"{top_value * fraction:g}", anchor="end"))
    slot = plot_w / max(len(days), 1)
    bar = max(slot * 0.7, 1)
    label_every = max(1, math.ceil(len(days) / 10))
    for index, day in enumerate(days):
        x = left + index * slot + (slot - bar) / 2
        parts = {**day, "open": still_open(day)}
        y = top + plot_h
        for key, name in OUTCOMES:
            count = parts[key]
            if not count:
                continue
            h = plot_h * count / top_value
            y -= h
            body.append(_rect(x, y, bar, h, f"chart__bar--{key}", f"{day['date']}: {count} {name}"))
        if index % label_every == 0:
            body.append(_text(x + bar / 2, height - bottom + 16, day["date"][5:], anchor="middle"))
    title = gettext("Handoffs created per day, by outcome")
    return _svg(chart_id, title, width, height, body)


def times_by_row(
    rows: Sequence[dict[str, Any]], *, key: str, chart_id: str, title: str
) -> SafeString:
    """Grouped horizontal bars: median waiting, handling and first-response time per row."""
    rows = list(rows)[:MAX_BARS]
    bar, gap, left, right, top = 9, 10, 150, 70, 6
    group_h = bar * len(TIME_SERIES) + gap
    width = 720
    height = top + max(len(rows), 1) * group_h + 4
    plot_w = width - left - right
    values = [row.get(f"{series}_median") or 0 for row in rows for series, _ in TIME_SERIES]
    top_value = max(values, default=0) or 1
    body = []
    for index, row in enumerate(rows):
        y0 = top + index * group_h
        name = str(row[key])
        shown = name if len(name) <= 22 else name[:21] + "…"
        body.append(_text(left - 8, y0 + group_h / 2, shown, anchor="end"))
        for offset, (series, label) in enumerate(TIME_SERIES):
            value = row.get(f"{series}_median")
            y = y0 + offset * bar
            w = plot_w * (value or 0) / top_value
            tip = gettext("%(name)s: %(series)s median %(time)s") % {
                "name": name,
                "series": label,
                "time": duration(value),
            }
            body.append(_rect(left, y, w, bar - 1, f"chart__bar--{series}", tip))
            body.append(_text(left + w + 4, y + bar - 1, duration(value), "chart__value"))
    if not rows:
        body.append(_text(width / 2, height / 2, gettext("No data in this range"), anchor="middle"))
    return _svg(chart_id, title, width, height, body)


def heat_level(count: int, highest: int) -> int:
    """0 for none, then 1 to 4 by quarters of the busiest hour."""
    if count <= 0 or highest <= 0:
        return 0
    return max(1, math.ceil(4 * count / highest))


def hour_heatmap(hours: Sequence[Sequence[int]], *, chart_id: str) -> SafeString:
    """Handoffs created per hour of the week (UTC): a 7 x 24 grid shaded by count."""
    cell, left, top = 26, 40, 18
    width, height = left + 24 * cell + 4, top + 7 * cell + 4
    highest = max((count for day in hours for count in day), default=0)
    body = [
        _text(left + hour * cell + cell / 2, top - 5, f"{hour:02d}", anchor="middle")
        for hour in range(0, 24, 3)
    ]
    for weekday, counts in enumerate(hours):
        y = top + weekday * cell
        body.append(_text(left - 6, y + cell / 2 + 4, WEEKDAYS_ABBR[weekday], anchor="end"))
        for hour, count in enumerate(counts):
            level = heat_level(count, highest)
            tip = ngettext(
                "%(day)s %(hour)02d:00: %(count)d handoff",
                "%(day)s %(hour)02d:00: %(count)d handoffs",
                count,
            ) % {"day": WEEKDAYS_ABBR[weekday], "hour": hour, "count": count}
            body.append(_rect(left + hour * cell, y, cell - 2, cell - 2, f"heat heat-{level}", tip))
    title = gettext("Handoffs created per hour of the week (UTC)")
    return _svg(chart_id, title, width, height, body)
