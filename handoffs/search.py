"""Search by a user's name or id and by message text: the one match every list shares.

On PostgreSQL, trigram indexes (pg_trgm, migration 0015) answer `icontains` on message text,
user ids and names, so a search costs about the same at 10k or 1M messages. Trigrams need a
term of at least three characters: a shorter one matches user ids and names only, never message
text, which no index could answer without reading every message. SQLite has no such index and
scans (fine for development and tests).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from .models import Bot, Conversation, EndUser, Message

# pg_trgm indexes nothing shorter (a trigram is three characters).
MIN_TEXT_TERM = 3
MAX_TERM = 200


def search_term(raw: str | None) -> str:
    """The term as searched: trimmed, without NUL (which PostgreSQL refuses), at most 200."""
    return (raw or "").replace("\x00", "").strip()[:MAX_TERM]


def matching_conversation_ids(*, bots: Iterable[Bot], term: str) -> QuerySet:
    """The ids of the bots' conversations whose user's name or id, or any message's text,
    contains `term` (any case).

    One set of ids, to filter with `__in`: PostgreSQL reads each branch from its trigram index
    and joins the (small) result to the list, or, for a term found everywhere, walks the list
    in its order and stops at the page's end. An OR of per-row conditions over joined tables
    would let it do neither.
    """
    bot_ids = [bot.pk for bot in bots]
    users = EndUser.objects.filter(bot_id__in=bot_ids).filter(
        Q(external_id__icontains=term)
        | Q(variables__fullName__icontains=term)
        | Q(alias__icontains=term)
    )
    by_user = (
        Conversation.objects.filter(bot_id__in=bot_ids, end_user__in=users).order_by().values("id")
    )
    if len(term) < MIN_TEXT_TERM:
        return by_user
    by_text = Message.objects.filter(text__icontains=term).order_by().values("conversation_id")
    return by_user.union(by_text)
