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

from django.db import connections, router
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from agents.selectors import agent_display_name

from .models import Conversation, Handoff, Message

# Messages rendered per chunk sent; rows read per database round trip.
CHUNK_MESSAGES = 200
READ_CHUNK = 1000
# An e-mail holds the latest messages only: a mail is built whole in a worker's memory, and
# mail servers refuse big ones (README "Transcripts").
EMAIL_MESSAGES = 1000

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


def _messages(conversation: Conversation, up_to: int | None, first: int) -> Iterator[Message]:
    """Page by page, in order of id from `first`: no cursor stays open while a slow reader
    takes a long transcript, and outside a transaction the pooled connection goes back
    between pages, so such readers cannot hold every connection of the process."""
    messages = (
        Message.objects.filter(conversation=conversation, id__gte=first)
        .select_related("author__agent_profile")
        .order_by("id")
    )
    if up_to is not None:
        messages = messages.filter(id__lte=up_to)
    after = 0
    while True:
        page = list(messages.filter(id__gt=after)[:READ_CHUNK])
        connection = connections[router.db_for_read(Message)]
        if not connection.in_atomic_block:
            connection.close()
        yield from page
        if len(page) < READ_CHUNK:
            return
        after = page[-1].pk


def _first_kept(
    conversation: Conversation, up_to: int | None, latest: int | None
) -> tuple[int, int]:
    """The id from which the transcript starts, and how many earlier messages it leaves out:
    all of them kept unless only the `latest` are wanted (an e-mail)."""
    if latest is None:
        return 0, 0
    messages = Message.objects.filter(conversation=conversation)
    if up_to is not None:
        messages = messages.filter(id__lte=up_to)
    start = messages.order_by("-id").values_list("id", flat=True)[latest : latest + 1].first()
    if start is None:
        return 0, 0
    return start + 1, messages.filter(id__lte=start).count()


def _timeline(
    conversation: Conversation, up_to: int | None, first: int
) -> Iterator[Message | Mark]:
    """Messages with the handoffs' steps placed among them by time."""
    marks = _marks(conversation)
    # Steps among messages left out are left out with them.
    started = first == 0
    for message in _messages(conversation, up_to, first):
        while marks and marks[0].at <= message.created_at:
            mark = marks.pop(0)
            if started:
                yield mark
        started = True
        yield message
    yield from marks


def _omitted(count: int) -> str:
    return ngettext(
        "%(count)d earlier message is not in this copy; the agents can download the whole "
        "transcript.",
        "%(count)d earlier messages are not in this copy; the agents can download the whole "
        "transcript.",
        count,
    ) % {"count": count}


def transcript_html(
    *,
    conversation: Conversation,
    base_url: str = "",
    up_to: int | None = None,
    latest: int | None = None,
) -> Iterator[str]:
    """The HTML page, in chunks. `base_url` makes this site's relative links absolute;
    `latest` keeps only that many of the last messages (an e-mail)."""
    first, omitted = _first_kept(conversation, up_to, latest)
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
        if omitted:
            parts.append(format_html('<li class="event">{}</li>\n', _omitted(omitted)))
        for item in _timeline(conversation, up_to, first):
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
    *,
    conversation: Conversation,
    base_url: str = "",
    up_to: int | None = None,
    latest: int | None = None,
) -> Iterator[str]:
    """The same transcript as plain text, for an e-mail's text part."""
    first, omitted = _first_kept(conversation, up_to, latest)
    zone = zone_of(conversation)
    bot = conversation.bot
    with override(bot.default_language or None):
        yield _("Conversation with %(bot)s") % {"bot": bot.name} + "\n\n"
        if omitted:
            yield f"-- {_omitted(omitted)} --\n\n"
        for item in _timeline(conversation, up_to, first):
            if isinstance(item, Mark):
                yield f"-- {item.text} ({_readable(item.at, zone)}) --\n\n"
                continue
            author = _author(item, conversation)
            lines = [f"[{_readable(item.created_at, zone)}] {author}:"]
            if item.text:
                lines.append(item.text)
            lines.extend(f"{name}: {url}" for name, url in _attachments(item, base_url))
            yield "\n".join(lines) + "\n\n"
