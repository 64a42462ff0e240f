"""Opaque keyset cursors for the lists that are not the handoff queue (see pagination.py)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

if TYPE_CHECKING:
    from ..selectors import ListedConversation

SEPARATOR = "|"


def encode(*parts: str) -> str:
    raw = SEPARATOR.join(parts).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, *, parts: int) -> list[str]:
    """The cursor's parts; anything a client made up is a 400 on `cursor`."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = base64.urlsafe_b64decode(padded.encode()).decode().split(SEPARATOR)
    except (ValueError, UnicodeError, binascii.Error) as error:
        raise invalid() from error
    if len(values) != parts:
        raise invalid()
    return values


def position_id(value: str) -> int:
    try:
        number = int(value)
    except ValueError as error:
        raise invalid() from error
    if not 0 < number < 2**63:
        raise invalid()
    return number


def invalid() -> ValidationError:
    return ValidationError({"cursor": ["Invalid cursor."]})


def next_link(request: Request, cursor: str) -> str:
    """The `Link` header value of the next page, as `GET .../handoffs` sends it."""
    url = replace_query_param(request.build_absolute_uri(), "cursor", cursor)
    return f'<{url}>; rel="next"'


def conversation_cursor(conversation: ListedConversation) -> str:
    """A position in `conversation_list`'s order: last activity, then id."""
    return encode(conversation.activity_at.isoformat(), str(conversation.pk))


def conversation_position(cursor: str) -> tuple[datetime, int]:
    moment, last_id = decode(cursor, parts=2)
    try:
        parsed = parse_datetime(moment)
    except ValueError as error:
        raise invalid() from error
    if parsed is None or parsed.tzinfo is None:
        raise invalid()
    return parsed, position_id(last_id)
