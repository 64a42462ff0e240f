"""A conversation's transcript as a file for people: one self-contained HTML page (inline CSS,
no outside request), or plain text for an e-mail's text part, produced in chunks so a
conversation of 20,000 messages never sits in memory whole. Agents' notes stay out: they are
the workspace's, not the user's.

Read-only: the API streams it (api/views/transcripts.py), the e-mail sender renders it when
the mail leaves (alerts.email_send), up to the last message when it was asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import override

from agents.selectors import agent_display_name

from .models import Conversation, Handoff, Message

# Messages rendered per chunk sent; rows read per database round trip.
CHUNK_MESSAGES = 200
READ_CHUNK = 1000

STYLE = """
body{font:15px/1.45 system-ui,sans-serif;color:#1b1f24;max-width:46rem;margin:2rem auto;
padding:0 1rem}
h1{font-size:1.4rem;margin:0 0 .25rem}
.meta{color:#57606a;margin:0 0 1.5rem}
ol{list-style:none;padding:0;margin:0}
li{margin:.6rem 0;padding:.5rem .75rem;border-radius:.5rem;background:#f3f4f6}
li.incoming{background:#e8f0fe}
li.agent{background:#e6f4ea}
li.system,li.event{background:none;color:#57606a;font-style:italic;text-align:center}
.who{font-weight:600}
time{color:#57606a;font-size:.85em;margin-left:.5rem}
.text{white-space:pre-wrap;overflow-wrap:anywhere;margin-top:.2rem}
.files a{display:inline-block;margin-right:.75rem}
"""


@dataclass(frozen=True)
class Mark:
    """A handoff's step shown between the messages: requested, assigned, closed."""

    at: datetime
    text: str


def transcript_filename(conversation: Conversation, *, now: datetime | None = None) -> str:
    day = (now or timezone.now()).date().isoformat()
    return f"transcript-{conversation.pk}-{day}.html"


def zone_of(conversation: Conversation) -> ZoneInfo:
    """The bot's zone (its business hours'), UTC when unset or unknown."""
    try:
        return ZoneInfo(conversation.bot.business_hours_timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _readable(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")


def _marks(conversation: Conversation) -> list[Mark]:
    """Each handoff's steps, oldest first; a conversation has few handoffs."""
    marks = []
    handoffs = Handoff.objects.filter(conversation=conversation).select_related(
        "agent__agent_profile"
    )
    for handoff in handoffs:
        marks.append(Mark(handoff.created_at, _("Handed off to an agent")))
        if handoff.assigned_at and handoff.agent is not None:
            name = agent_display_name(handoff.agent)
            marks.append(Mark(handoff.assigned_at, _("Assigned to %(name)s") % {"name": name}))
        if handoff.resolved_at:
            closed = _("Handoff %(status)s") % {"status": handoff.get_status_display().lower()}
            marks.append(Mark(handoff.resolved_at, closed))
    return sorted(marks, key=lambda mark: mark.at)


def _author(message: Message, conversation: Conversation) -> str:
    if message.direction == Message.Direction.INCOMING:
        return conversation.end_user.display_name
    if message.direction == Message.Direction.AGENT:
        return agent_display_name(message.author) if message.author else _("Agent")
    if message.direction == Message.Direction.OUTGOING:
        return conversation.bot.name
    return _("System")


def _attachments(message: Message, base_url: str) -> list[tuple[str, str]]:
    """(name, web address) of each file a message carries, as the pages show them
    (static/hitl/messages.js): Messenger's `attachments`, Botpress's content payloads."""
    payload = message.payload if isinstance(message.payload, dict) else {}
    found: list[tuple[str, str]] = []
    listed = payload.get("attachments")
    for item in listed if isinstance(listed, list) else []:
        if isinstance(item, dict) and isinstance(item.get("url"), str):
            found.append((str(item.get("name") or item.get("type") or "file"), item["url"]))
    for kind in ("image", "file", "video", "audio"):
        url = payload.get(kind)
        if isinstance(url, str) and all(url != seen for _name, seen in found):
            found.append((kind, url))
    links = []
    for name, url in found:
        absolute = urljoin(base_url, url) if base_url else url
        # Only web addresses become links: a payload may come from anyone.
        if absolute.startswith(("https://", "http://")):
            links.append((name, absolute))
    return links


def _messages(conversation: Conversation, up_to: int | None) -> Iterator[Message]:
    messages = (
        Message.objects.filter(conversation=conversation)
        .select_related("author__agent_profile")
        .order_by("id")
    )
    if up_to is not None:
        messages = messages.filter(id__lte=up_to)
    return messages.iterator(chunk_size=READ_CHUNK)


def _timeline(conversation: Conversation, up_to: int | None) -> Iterator[Message | Mark]:
    """Messages with the handoffs' steps placed among them by time."""
    marks = _marks(conversation)
    for message in _messages(conversation, up_to):
        while marks and marks[0].at <= message.created_at:
            yield marks.pop(0)
        yield message
    yield from marks


def transcript_html(
    *, conversation: Conversation, base_url: str = "", up_to: int | None = None
) -> Iterator[str]:
    """The HTML page, in chunks. `base_url` makes this site's relative links absolute."""
    zone = zone_of(conversation)
    bot = conversation.bot
    with override(bot.default_language or None):
        title = _("Conversation with %(bot)s") % {"bot": bot.name}
        user = conversation.end_user.display_name
        started = _readable(conversation.created_at, zone)
        yield format_html(
            '<!DOCTYPE html>\n<html lang="{}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            "<title>{}</title><style>{}</style></head><body>"
            '<h1>{}</h1><p class="meta">{} · {} · {}</p><ol>\n',
            bot.default_language or "en",
            title,
            mark_safe(STYLE),
            title,
            user,
            conversation.channel,
            _("Started %(time)s") % {"time": started},
        )
        parts: list[str] = []
        for item in _timeline(conversation, up_to):
            parts.append(_html_item(item, conversation, zone, base_url))
            if len(parts) >= CHUNK_MESSAGES:
                yield "".join(parts)
                parts = []
        parts.append(
            format_html(
                '</ol><p class="meta">{}</p></body></html>\n',
                _("Exported %(time)s") % {"time": _readable(timezone.now(), zone)},
            )
        )
        yield "".join(parts)


def _html_time(moment: datetime, zone: ZoneInfo) -> str:
    return format_html('<time datetime="{}">{}</time>', moment.isoformat(), _readable(moment, zone))


def _html_item(item: Message | Mark, conversation: Conversation, zone: ZoneInfo, base: str) -> str:
    if isinstance(item, Mark):
        return format_html('<li class="event">{} {}</li>\n', item.text, _html_time(item.at, zone))
    # Each piece is escaped by format_html.
    files = mark_safe(
        "".join(
            format_html('<a href="{}" rel="noopener noreferrer">{}</a>', url, name)
            for name, url in _attachments(item, base)
        )
    )
    return format_html(
        '<li class="{}"><span class="who">{}</span>{}<div class="text">{}</div>{}</li>\n',
        item.direction,
        _author(item, conversation),
        _html_time(item.created_at, zone),
        item.text,
        format_html('<div class="files">{}</div>', files) if files else "",
    )


def transcript_text(
    *, conversation: Conversation, base_url: str = "", up_to: int | None = None
) -> Iterator[str]:
    """The same transcript as plain text, for an e-mail's text part."""
    zone = zone_of(conversation)
    bot = conversation.bot
    with override(bot.default_language or None):
        yield _("Conversation with %(bot)s") % {"bot": bot.name} + "\n\n"
        for item in _timeline(conversation, up_to):
            if isinstance(item, Mark):
                yield f"-- {item.text} ({_readable(item.at, zone)}) --\n\n"
                continue
            author = _author(item, conversation)
            lines = [f"[{_readable(item.created_at, zone)}] {author}:"]
            if item.text:
                lines.append(item.text)
            lines.extend(f"{name}: {url}" for name, url in _attachments(item, base_url))
            yield "\n".join(lines) + "\n\n"
