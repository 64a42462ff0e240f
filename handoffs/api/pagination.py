"""Keyset pagination of the handoff list, with the page as a plain JSON array.

Botpress HITL-next clients expect `GET handoffs` to return an array, so the next page travels
in a `Link: <...>; rel="next"` header (RFC 8288) instead of an envelope.
"""

from __future__ import annotations

import base64
import binascii

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from ..models import Handoff
from ..models.handoffs import HISTORY_RANK
from ..selectors import handoff_keyset_after

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# Botpress returns every handoff and its HITL-next UI never follows a `Link` header: the
# handoff list without `limit` holds up to this many (README "Moving from Botpress").
HANDOFF_LIMIT = 1000


def encode_cursor(handoff: Handoff) -> str:
    raw = f"{handoff.queue_rank}.{handoff.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        rank, last_id = base64.urlsafe_b64decode(padded.encode()).decode().split(".")
        position = int(rank), int(last_id)
    except (ValueError, UnicodeError, binascii.Error) as error:
        raise ValidationError({"cursor": ["Invalid cursor."]}) from error
    if not (0 <= position[0] <= HISTORY_RANK and 0 <= position[1] < 2**63):
        raise ValidationError({"cursor": ["Invalid cursor."]})
    return position


def paginate(
    handoffs: QuerySet[Handoff],
    *,
    request: Request,
    cursor: str | None,
    limit: int,
    newest: bool = False,
) -> tuple[list[Handoff], str | None]:
    """One page, and the URL of the next one when there is more."""
    if cursor:
        rank, last_id = decode_cursor(cursor)
        handoffs = handoff_keyset_after(handoffs, rank=rank, last_id=last_id, newest=newest)
    page = list(handoffs[: limit + 1])
    if len(page) <= limit:
        return page, None
    page = page[:limit]
    url = replace_query_param(request.build_absolute_uri(), "cursor", encode_cursor(page[-1]))
    return page, url
