"""Search by a user's name or id and by message text: the one match every list shares.

On PostgreSQL, trigram indexes (pg_trgm, migration 0015) answer `icontains` on message text,
user ids and names. Trigrams need a term of at least three characters: a shorter one matches
user ids and names only, never message text, which no index could answer without reading every
message. SQLite has no such index and scans (fine for development and tests).

A first look at the matches (up to RARE_MATCHES + 1 of each side) chooses, for users and for
messages apart (bench/README.md, "Search"):
- rare: the conversation ids, read from the trigram indexes, become the list's filter (when both
  sides are rare, the list is read from those few rows);
- common: the list is walked in its own order and each row checked (users: against one set of
  their conversations; messages: the conversation's first matching message, on the
  (conversation, id) index), which stops at the page's end.
A trigram index cannot answer a term found in half the messages quickly (it returns them all),
and walking the list cannot find a term in one message of a million quickly: each shape covers
the other's worst case, so a page costs about the same at 10k or 1M messages.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import IsNull

from .models import Bot, Conversation, EndUser, Message

# pg_trgm indexes nothing shorter (a trigram is three characters).
MIN_TEXT_TERM = 3
MAX_TERM = 200
# Up to this many matching messages (or users), a term is rare: its conversations are listed.
RARE_MATCHES = 1000


def search_term(raw: str | None) -> str:
    """The term as searched: trimmed, without NUL (which PostgreSQL refuses), at most 200."""
    return (raw or "").replace("\x00", "").strip()[:MAX_TERM]


def _users(bot_ids: list[int], term: str) -> QuerySet[EndUser]:
    return EndUser.objects.filter(bot_id__in=bot_ids).filter(
        Q(external_id__icontains=term)
        | Q(variables__fullName__icontains=term)
        | Q(alias__icontains=term)
    )


def _messages(bot_ids: list[int], term: str) -> QuerySet[Message]:
    return Message.objects.filter(conversation__bot_id__in=bot_ids, text__icontains=term)


def conversation_match(*, bots: Iterable[Bot], term: str, conversation: str) -> Q:
    """A filter for rows whose conversation (the field `conversation` names: "pk" for
    conversations, "conversation" for handoffs) has a user whose name or id, or a message
    whose text, contains `term` (any case)."""
    bot_ids = [bot.pk for bot in bots]
    by_user = Conversation.objects.filter(end_user__in=_users(bot_ids, term)).order_by()
    user_ids = list(by_user.values_list("id", flat=True)[: RARE_MATCHES + 1])
    text_ids: list[int] = []
    if len(term) >= MIN_TEXT_TERM:
        found = _messages(bot_ids, term).order_by().values_list("conversation_id", flat=True)
        text_ids = list(found[: RARE_MATCHES + 1])
    # Each side rare: its ids, read from its index; common: checked as the list is walked.
    if len(user_ids) <= RARE_MATCHES:
        users = Q(**{f"{conversation}__in": user_ids})
    else:
        # One set: a name shared by thousands costs one index read, not a walk.
        users = Q(**{f"{conversation}__in": by_user.values("id")})
    if len(text_ids) <= RARE_MATCHES:
        if len(user_ids) <= RARE_MATCHES:
            return Q(**{f"{conversation}__in": sorted({*user_ids, *text_ids})})
        return users | Q(**{f"{conversation}__in": text_ids}) if text_ids else users
    # A scalar subquery, not EXISTS: PostgreSQL may run an EXISTS as one hashed set of every
    # matching message (a sequential scan, 50 ms at 100k messages); a scalar one it runs per
    # row, which here stops at the first matching message of each conversation.
    first_match = Message.objects.filter(
        conversation=OuterRef(conversation), text__icontains=term
    ).values("id")[:1]
    return users | Q(IsNull(Subquery(first_match), False))
