"""Reads that several callers share; each returns what a representation needs in few queries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    Field,
    Func,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from agents.config_cache import cache_key, remembered
from agents.errors import ApplicationError, NotFound
from agents.models import Membership, Team
from agents.sql import column, columns, instance_from_row, table

from .models import Attachment, Bot, Conversation, EndUser, Handoff, Message, Note, Notification
from .models.handoffs import HISTORY_RANK, QUEUE_RANKS
from .schedules import bot_opening
from .search import conversation_match, search_term

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

S = Handoff.Status
T = TypeVar("T", bound=Model)
LEGACY_SESSION_LIMIT = 100
MAX_ID = 2**63 - 1  # a bigint key's largest value


class Row(Func):
    """A row value, `(a, b)`: compared whole, it is one range of an index on (a, b)."""

    template = "(%(expressions)s)"
    output_field = Field()


def bot_cache_key(bot_id: str) -> str:
    return cache_key("bot", bot_id)


@cache
def _known_user_conversation_sql() -> str:
    # The user is found first, by its unique key (bot, channel, external_id), then the thread
    # by (bot, channel, end_user, thread_id): two unique lookups. Joined without the user's
    # bot, PostgreSQL scanned every user of every bot (1 ms at 10,000), or, before the tables'
    # first ANALYZE, the bot's web conversations up to the user's (up to 18 ms at 10,000;
    # bench/README.md, "10,000 sockets on one process", the sixth session).
    conversation = table(Conversation)
    end_user = table(EndUser)
    user = " AND ".join(
        [
            f"{column(EndUser, 'bot')} = %s",
            f"{column(EndUser, 'channel')} = %s",
            f"{column(EndUser, 'external_id')} = %s",
        ]
    )
    conditions = " AND ".join(
        [
            f"c.{column(Conversation, 'bot')} = %s",
            f"c.{column(Conversation, 'channel')} = %s",
            f"c.{column(Conversation, 'end_user')} = "
            f"(SELECT {column(EndUser, 'id')} FROM {end_user} WHERE {user})",
            f"c.{column(Conversation, 'thread_id')} = %s",
        ]
    )
    return f"SELECT {columns(Conversation, 'c')} FROM {conversation} c WHERE {conditions}"


def conversation_of_known_user(
    *, bot: Bot, channel: str, user_id: str, thread_id: str
) -> Conversation | None:
    """The conversation of a channel's user, if both exist: read for nearly every message.

    The same query as `filter(bot=..., end_user__external_id=..., ...)`, written out: the ORM
    spent more CPU building and compiling it than the database took to answer, and a
    RawQuerySet matched its columns to the model's on every call (bench/README.md).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _known_user_conversation_sql(), [bot.pk, channel, bot.pk, channel, user_id, thread_id]
        )
        row = cursor.fetchone()
    return None if row is None else instance_from_row(Conversation, row)


def conversation_messages(
    *, conversation: Conversation, after: int | None, before: int | None, limit: int
) -> list[Message]:
    """A page of a conversation's messages, oldest first: the `limit` after `after`, else the
    last `limit` (before `before`, if given), each with its conversation and its agent's
    profile, as `select_related("conversation", "author__agent_profile")` reads them.

    Read when every web-chat socket connects: written out, with the authors (agents only, a
    few) in a second query when there are any; the ORM spent more CPU building the query
    than anything else of the connect (bench/README.md, "10,000 sockets on one process")."""
    # Ids come from URLs; as the ORM's lookups do, one past the column's range bounds nothing
    # or everything instead of reaching the database (SQLite refuses such an integer).
    if (after is not None and after > MAX_ID) or (before is not None and before <= -MAX_ID):
        return []
    order = "ASC" if after is not None else "DESC"
    if before is not None and before > MAX_ID:
        before = None
    if after is not None and after < -MAX_ID:
        after = None
    conditions = [f"{column(Message, 'conversation')} = %s"]
    params: list[Any] = [conversation.pk]
    if before is not None:
        conditions.append(f"{column(Message, 'id')} < %s")
        params.append(before)
    if after is not None:
        conditions.append(f"{column(Message, 'id')} > %s")
        params.append(after)
    sql = (
        f"SELECT {columns(Message)} FROM {table(Message)} WHERE {' AND '.join(conditions)}"
        f" ORDER BY {column(Message, 'id')} {order} LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        messages = [instance_from_row(Message, row) for row in cursor.fetchall()]
    author_ids = {message.author_id for message in messages if message.author_id is not None}
    authors = User.objects.select_related("agent_profile").in_bulk(author_ids) if author_ids else {}
    for message in messages:
        message.conversation = conversation
        if message.author_id is not None:
            message.author = authors.get(message.author_id)
    messages.sort(key=lambda message: message.pk)
    return messages


def webhooks_cache_key(workspace_id: int) -> str:
    """Whether the workspace has an active webhook endpoint (services/webhooks.py)."""
    return cache_key("webhooks", str(workspace_id))


def bot_get(*, bot_id: str) -> Bot | None:
    """Read on every API call: kept a few seconds per process (agents/config_cache.py)."""
    return remembered(bot_cache_key(bot_id), lambda: Bot.objects.filter(bot_id=bot_id).first())


def handoff_queryset(*, bot: Bot) -> QuerySet[Handoff]:
    """Everything HandoffRepresentation reads, so a list costs the same queries at any length.

    The bot's related manager hands every row this bot instead of a joined copy; a user's
    message has no author, so the last one needs no join beyond itself.
    """
    notes = Note.objects.select_related("author__agent_profile")
    return bot.handoffs.select_related(
        "agent__agent_profile",
        "conversation__end_user",
        "conversation__last_user_message",
        "team",
    ).prefetch_related(
        # Into plain lists, which HandoffRepresentation reads: no related manager per row.
        Prefetch("labels", to_attr="listed_labels"),
        Prefetch("conversation__notes", queryset=notes, to_attr="listed_notes"),
    )


def handoff_queue_positions(*, bot: Bot, handoffs: Iterable[Handoff]) -> None:
    """Set `queue_ahead` (what HandoffRepresentation shows as `queuePosition` - 1) on the
    pending ones among `handoffs`: two queries for any number of them.

    The queue is the bot's pending handoffs by priority (queue_rank), creation, then id
    (handoff_queue_priority_idx). A count per row was quadratic in a deep queue; instead, one
    count of those ahead of the first, and the ids from the first to the last in queue order,
    read from the index.
    """
    pending = sorted(
        (h for h in handoffs if h.status == S.PENDING),
        key=lambda h: (h.queue_rank, h.created_at, h.pk),
    )
    if not pending:
        return
    queue = Handoff.objects.filter(bot=bot, status=S.PENDING).alias(
        position=Row("queue_rank", "created_at", "id")
    )
    first, last = (
        Row(Value(h.queue_rank), Value(h.created_at), Value(h.pk))
        for h in (pending[0], pending[-1])
    )
    ahead_of_first = queue.filter(position__lt=first).count()
    in_range = (
        queue.filter(position__gte=first, position__lte=last)
        .order_by("queue_rank", "created_at", "id")
        .values_list("id", flat=True)
    )
    places = {handoff_id: place for place, handoff_id in enumerate(in_range)}
    for handoff in pending:
        # Taken or closed since it was read: HandoffRepresentation counts it alone, if at all.
        if handoff.pk in places:
            handoff.queue_ahead = ahead_of_first + places[handoff.pk]


# The workspace's filters: which handoffs an agent wants to see, by status and holder.
HANDOFF_VIEWS = ("unassigned", "mine", "others", "resolved", "rejected", "expired")
OPEN_VIEWS = ("unassigned", "mine", "others")
# Where each view starts in the list's order (queue_rank): the index is read from there.
VIEW_RANKS = {"unassigned": QUEUE_RANKS["pending"], "mine": QUEUE_RANKS["assigned"]}
VIEW_RANKS["others"] = VIEW_RANKS["mine"]


def _view_filter(view: str, viewer_id: int | None) -> Q:
    if view == "unassigned":
        return Q(status=S.PENDING)
    if view == "mine":
        return Q(status=S.ASSIGNED, agent_id=viewer_id)
    if view == "others":
        return Q(status=S.ASSIGNED) & ~Q(agent_id=viewer_id)
    return Q(status=view)


# The workspace's team filter: `mine` is the viewer's teams, the handoffs of no team and the
# viewer's own; otherwise team slugs (any of them).
MY_TEAMS = "mine"


def _team_filter(teams: list[str], viewer_id: int | None, workspace_id: int) -> Q:
    if teams == [MY_TEAMS]:
        # Only a person has teams (the API asks for an agent's session).
        mine = Team.objects.filter(workspace_id=workspace_id, members__user_id=viewer_id or 0)
        return Q(team__isnull=True) | Q(team__in=mine.values("pk")) | Q(agent_id=viewer_id)
    return Q(team__workspace_id=workspace_id, team__slug__in=teams)


def team_list(*, workspace_id: int) -> QuerySet[Team]:
    return Team.objects.filter(workspace_id=workspace_id).prefetch_related("members")


def team_slugs(*, workspace_id: int) -> list[str]:
    return list(Team.objects.filter(workspace_id=workspace_id).values_list("slug", flat=True))


def team_get(*, workspace_id: int, slug: str) -> Team | None:
    return Team.objects.filter(workspace_id=workspace_id, slug=slug).first()


def _any_label(tags: Iterable[str]) -> Exists:
    through = Handoff.labels.through
    return Exists(through.objects.filter(handoff_id=OuterRef("pk"), label__name__in=list(tags)))


def handoff_list(
    *,
    bot: Bot,
    statuses: list[str] | None = None,
    agent_id: int | None = None,
    tag: str | None = None,
    user_id: str | None = None,
    order_by: str | None = None,
    descending: bool = False,
    views: list[str] | None = None,
    viewer_id: int | None = None,
    tags: list[str] | None = None,
    newest: bool = False,
    query: str | None = None,
    teams: list[str] | None = None,
    priorities: list[str] | None = None,
) -> QuerySet[Handoff]:
    """Oldest pending first, then assigned, then closed ones, each oldest first (`newest`:
    newest first within each); or by the field `order_by` (ties by id), as Botpress's `column`
    and `desc` ask. `views`, `tags`, `teams` and `priorities` are the workspace's filters (any
    of each); `query` matches the user's name or id or a message's text (handoffs/search.py).
    Pending handoffs come by priority first: queue_rank holds it."""
    handoffs = handoff_queryset(bot=bot)
    query = search_term(query)
    if query:
        handoffs = handoffs.filter(
            conversation_match(bots=[bot], term=query, conversation="conversation")
        )
    if views:
        wanted = Q()
        for view in views:
            wanted |= _view_filter(view, viewer_id)
        first_rank = min(VIEW_RANKS.get(view, HISTORY_RANK) for view in views)
        handoffs = handoffs.filter(wanted, queue_rank__gte=first_rank)
    if tags:
        handoffs = handoffs.filter(_any_label(tags))
    if teams:
        handoffs = handoffs.filter(_team_filter(teams, viewer_id, bot.workspace_id))
    if priorities:
        handoffs = handoffs.filter(priority__in=priorities)
    if statuses:
        # The lowest rank too: the list's index then starts where these statuses do.
        first_rank = min(QUEUE_RANKS.get(status, HISTORY_RANK) for status in statuses)
        handoffs = handoffs.filter(status__in=statuses, queue_rank__gte=first_rank)
    if agent_id is not None:
        handoffs = handoffs.filter(agent_id=agent_id)
    if tag:
        handoffs = handoffs.filter(labels__name=tag)
    if user_id:
        handoffs = handoffs.filter(conversation__end_user__external_id=user_id)
    if order_by:
        sign = "-" if descending else ""
        return handoffs.order_by(f"{sign}{order_by}", f"{sign}id")
    return handoffs.order_by("queue_rank", "-id" if newest else "id")


def handoff_view_counts(
    *,
    bot: Bot,
    viewer_id: int | None,
    tags: list[str] | None = None,
    teams: list[str] | None = None,
    priorities: list[str] | None = None,
) -> dict[str, int]:
    """How many open handoffs each open view holds: one aggregate over the open ones."""
    handoffs = Handoff.objects.filter(bot=bot, status__in=Handoff.OPEN_STATUSES)
    if tags:
        handoffs = handoffs.filter(_any_label(tags))
    if teams:
        handoffs = handoffs.filter(_team_filter(teams, viewer_id, bot.workspace_id))
    if priorities:
        handoffs = handoffs.filter(priority__in=priorities)
    return handoffs.aggregate(
        **{view: Count("id", filter=_view_filter(view, viewer_id)) for view in OPEN_VIEWS}
    )


def handoff_get(*, bot: Bot, handoff_id: int) -> Handoff:
    """A handoff of this bot, ready to represent; another bot's id is unknown here."""
    handoff = handoff_queryset(bot=bot).filter(pk=handoff_id).first()
    if handoff is None:
        raise NotFound("Unknown handoff.", code="handoff_not_found")
    handoff_queue_positions(bot=bot, handoffs=[handoff])
    return handoff


def conversation_by_id_or_thread(*, bot: Bot, id_or_thread: str) -> Conversation:
    """HITL-next clients name a conversation by the handoff's `userThreadId`, hitl's by its id.

    A number that is the id of one of the bot's conversations is that conversation; anything
    else is a thread id, which must name exactly one of the bot's conversations.
    """
    if id_or_thread.isdigit() and len(id_or_thread) < 19:
        conversation = _conversations(bot).filter(pk=int(id_or_thread)).first()
        if conversation is not None:
            return conversation
    return _exactly_one(
        _conversations(bot).filter(thread_id=id_or_thread),
        missing=NotFound("Unknown conversation.", code="conversation_not_found"),
        ambiguous=ApplicationError(
            "Several conversations of this bot have this thread id; name one by its id.",
            code="ambiguous_thread",
        ),
    )


def _exactly_one(rows: QuerySet[T], *, missing: Exception, ambiguous: Exception) -> T:
    """The one row of `rows`; `missing` or `ambiguous` raised otherwise."""
    found = list(rows[:2])
    if not found:
        raise missing
    if len(found) > 1:
        raise ambiguous
    return found[0]


def _conversations(bot: Bot) -> QuerySet[Conversation]:
    return Conversation.objects.select_related(
        "bot", "end_user", "paused_by__agent_profile"
    ).filter(bot=bot)


def conversation_of_user(
    *, bot: Bot, channel: str, user_id: str, thread_id: str | None = None
) -> Conversation | None:
    """The user's conversation on that thread, or their latest one; None if there is none.

    The read twin of services.conversation_for_user, which creates what is missing.
    """
    # The user by its unique key first, as in conversation_of_known_user.
    end_user = EndUser.objects.filter(bot=bot, channel=channel, external_id=user_id)
    conversations = _conversations(bot).filter(
        channel=channel, end_user=Subquery(end_user.values("pk"))
    )
    if thread_id is not None:
        return conversations.filter(thread_id=thread_id).first()
    return conversations.order_by(F("last_message_at").desc(nulls_last=True), "-id").first()


def legacy_session_list(
    *, bot: Bot, paused_only: bool = False, search: str | None = None
) -> list[ListedConversation]:
    """Botpress legacy HITL's sessions: conversations with messages, latest activity first,
    at most 100 (modules/hitl/src/backend/db.ts, getAllSessions)."""
    conversations = conversation_list(
        bots=[bot], query=search, paused=True if paused_only else None
    ).filter(last_message_at__isnull=False)
    return list(conversations[:LEGACY_SESSION_LIMIT])


def conversation_get(*, bot: Bot, conversation_id: int) -> Conversation:
    conversation = _conversations(bot).filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound("Unknown conversation.", code="conversation_not_found")
    return conversation


def message_list(
    *,
    conversation: Conversation,
    limit: int,
    descending: bool | None = None,
    before: int | None = None,
    after: int | None = None,
) -> list[Message]:
    """The last `limit` messages, newest last; with `descending` set, in that order of creation
    and limited as such (True: the newest, newest first; False: the oldest, oldest first).
    `before` and `after` (message ids) page through a conversation of any length, on the
    (conversation, id) index."""
    messages = Message.objects.filter(conversation=conversation).select_related(
        "conversation__bot", "conversation__end_user", "author__agent_profile"
    )
    if before is not None:
        messages = messages.filter(id__lt=before)
    if after is not None:
        messages = messages.filter(id__gt=after)
        if descending is None:
            # The next ones after a cursor: the oldest of them first, as they follow it.
            descending = False
    if descending is not None:
        return list(messages.order_by("-id" if descending else "id")[:limit])
    return list(reversed(messages.order_by("-id")[:limit]))


def note_list(*, conversation: Conversation) -> QuerySet[Note]:
    return Note.objects.filter(conversation=conversation).select_related("author__agent_profile")


def end_user_get(*, bot: Bot, external_id: str, channel: str | None = None) -> EndUser:
    """The user with this id; the channel is needed only when two channels share the id."""
    users = EndUser.objects.select_related("bot").filter(bot=bot, external_id=external_id)
    if channel:
        users = users.filter(channel=channel)
    return _exactly_one(
        users,
        missing=NotFound("Unknown user.", code="user_not_found"),
        ambiguous=ApplicationError(
            "Several channels have a user with this id; pass ?channel= to choose.",
            code="ambiguous_user",
        ),
    )


def agent_list(*, workspace_id: int) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(workspace_id=workspace_id)
        .select_related("user__agent_profile")
        .prefetch_related("teams")
        .order_by("user__username")
    )


def bot_availability(*, bot: Bot) -> dict[str, Any]:
    """What a bot asks before handing off: is anyone there, and how long is the queue."""
    online = Membership.objects.filter(workspace_id=bot.workspace_id, online=True).count()
    queue = Handoff.objects.filter(bot=bot, status=S.PENDING).count()
    opening = bot_opening(bot=bot)
    return {
        "available": online > 0,
        "online_agents": online,
        "queue_length": queue,
        "open": opening.open,
        "next_opening": opening.next_opening,
    }


def bot_config(*, bot: Bot) -> Bot:
    """The bot with its labels and templates, for the config agents' clients load."""
    return Bot.objects.prefetch_related("labels", "templates").get(pk=bot.pk)


def handoff_keyset_after(
    handoffs: QuerySet[Handoff], *, rank: int, last_id: int, newest: bool = False
) -> QuerySet:
    """The rows after a position of `handoff_list`'s order, for cursor pagination."""
    if newest:
        return handoffs.filter(Q(queue_rank__gt=rank) | Q(queue_rank=rank, id__lt=last_id))
    return handoffs.alias(position=Row("queue_rank", "id")).filter(
        position__gt=Row(Value(rank), Value(last_id))
    )


ACTIVITY_AT = Coalesce("last_message_at", "created_at")


if TYPE_CHECKING:
    # Conversations as conversation_queryset and conversation_list give them, with what their
    # prefetches (`to_attr`) and annotation set on each row.
    class _Summarized(TypedDict):
        last_messages: list[Message]
        open_handoffs: list[Handoff]

    class _Listed(_Summarized):
        activity_at: datetime

    SummarizedConversation = WithAnnotations[Conversation, _Summarized]
    ListedConversation = WithAnnotations[Conversation, _Listed]


def conversation_queryset() -> QuerySet[SummarizedConversation]:
    """Everything ConversationSummaryRepresentation reads: three queries for a page of any size."""
    last_message = Message.objects.select_related("author__agent_profile").order_by("-id")[:1]
    open_handoffs = Handoff.objects.filter(status__in=Handoff.OPEN_STATUSES).select_related(
        "agent__agent_profile"
    )
    return Conversation.objects.select_related(
        "bot", "end_user", "paused_by__agent_profile"
    ).prefetch_related(
        # Sliced: one query for the last message of every conversation on the page.
        Prefetch("messages", queryset=last_message, to_attr="last_messages"),
        Prefetch("handoffs", queryset=open_handoffs, to_attr="open_handoffs"),
    )


def conversation_list(
    *,
    bots: Iterable[Bot],
    query: str | None = None,
    channel: str | None = None,
    paused: bool | None = None,
) -> QuerySet[ListedConversation]:
    """The bots' conversations, most recent activity first; `query` matches the user's name,
    the user's id or the text of any message (handoffs/search.py)."""
    bots = list(bots)
    conversations = conversation_queryset().filter(bot__in=bots)
    query = search_term(query)
    if query:
        conversations = conversations.filter(
            conversation_match(bots=bots, term=query, conversation="pk")
        )
    if channel:
        conversations = conversations.filter(channel=channel)
    if paused is not None:
        conversations = conversations.filter(paused=paused)
    # A conversation without a message yet counts from its creation: the expression, never
    # NULL, keeps the keyset simple and matches the conv_activity_idx index.
    return conversations.annotate(activity_at=ACTIVITY_AT).order_by("-activity_at", "-id")


def conversation_keyset_after(
    conversations: QuerySet[ListedConversation], *, activity_at: datetime, last_id: int
) -> QuerySet[ListedConversation]:
    """The rows after a position of `conversation_list`'s order, for cursor pagination."""
    return conversations.filter(
        Q(activity_at__lt=activity_at) | Q(activity_at=activity_at, id__lt=last_id)
    )


def conversation_summary_get(*, bot: Bot, conversation_id: int) -> SummarizedConversation:
    """One conversation as the list shows it; another bot's id is unknown here."""
    conversation = conversation_queryset().filter(bot=bot, pk=conversation_id).first()
    if conversation is None:
        raise NotFound("Unknown conversation.", code="conversation_not_found")
    return conversation


def notification_list(
    *, user: User, workspace_ids: Iterable[int], unread_only: bool = False
) -> QuerySet[Notification]:
    """The user's own notifications in these workspaces, newest first."""
    notifications = Notification.objects.filter(
        recipient_id=user.pk, workspace_id__in=list(workspace_ids)
    ).select_related("bot")
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-id")


def notification_unread_count(*, user: User, workspace_ids: Iterable[int]) -> int:
    return Notification.objects.filter(
        recipient_id=user.pk, workspace_id__in=list(workspace_ids), read_at__isnull=True
    ).count()


def attachment_by_token(token: str) -> Attachment | None:
    """A file an agent sent, by its link's token (the only key: no workspace to check)."""
    return Attachment.objects.filter(token=token).first()
