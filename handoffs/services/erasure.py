"""Erasing one end user everywhere, as a privacy request asks: their profile, conversations,
messages, notes, handoffs, the notifications about them, and their data in the outbox; then
one `user.erased` event, so that webhooks tell external systems to erase them too."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Q, QuerySet

from agents.errors import Forbidden, NotFound
from agents.models import Membership

from ..models import Bot, Conversation, EndUser, Event
from ..permissions import may_erase_user
from ..selectors import end_user_get
from .conversations import conversations_erase
from .events import event_emit

BATCH = 5_000
USER_ERASED = "user.erased"
# Events whose payload names the conversation by `conversationId`.
ABOUT_A_CONVERSATION = ("message", "note", "handoff", "notification")


@transaction.atomic
def end_user_erase(
    *, bot: Bot, user_id: str, channel: str | None = None, membership: Membership | None
) -> None:
    """`membership` is the caller's, None for an API token."""
    if not may_erase_user(membership):
        raise Forbidden(
            "Only a bot (an API token) or a workspace admin can erase a user.",
            code="admin_required",
        )
    found = end_user_get(bot=bot, external_id=user_id, channel=channel)
    # Locked, then read again: of two erasures at once, the second finds nobody.
    end_user = EndUser.objects.select_for_update().filter(pk=found.pk).first()
    if end_user is None:
        raise NotFound("Unknown user.", code="user_not_found")
    end_user.bot = bot
    conversations = list(
        Conversation.objects.filter(end_user=end_user).select_related("bot").order_by("pk")
    )
    for conversation in conversations:
        conversation.end_user = end_user
    gone = _conversations_deleted_earlier(bot=bot, end_user=end_user)
    # Deleting the events also cancels their pending webhook deliveries (a cascade): nothing
    # of the user leaves hitl after this commits.
    events = _events_about(
        bot=bot, end_user=end_user, conversation_ids=[c.pk for c in conversations] + gone
    )
    while batch := list(events.values_list("pk", flat=True)[:BATCH]):
        Event.objects.filter(pk__in=batch).delete()
    conversations_erase(conversations=conversations)
    event_emit(
        bot=bot,
        type=USER_ERASED,
        resource="user",
        # `id` and `channel` name a user as `user.updated` does; `userId` as the API does.
        payload={
            "id": end_user.external_id,
            "user_id": end_user.external_id,
            "channel": end_user.channel,
        },
    )
    end_user.delete()


def _conversations_deleted_earlier(*, bot: Bot, end_user: EndUser) -> list[int]:
    """Conversations of the user that were deleted before (by an agent, or by retention) left
    their events in the outbox; the `conversation.deleted` events name them."""
    deleted = Event.objects.filter(
        bot=bot,
        type="conversation.deleted",
        payload__userId=end_user.external_id,
        payload__channel=end_user.channel,
    )
    payloads = deleted.values_list("payload", flat=True)
    return [payload["id"] for payload in payloads if isinstance(payload.get("id"), int)]


def _events_about(
    *, bot: Bot, end_user: EndUser, conversation_ids: Sequence[int]
) -> QuerySet[Event]:
    """The bot's outbox events that carry the user's data: their profile's, and every event
    of their conversations, the agents' notifications about them included."""
    # The user's profile as `user.updated` carried it; an earlier erasure's record stays.
    about = Q(
        resource="user", payload__id=end_user.external_id, payload__channel=end_user.channel
    ) & ~Q(type=USER_ERASED)
    if conversation_ids:
        about |= Q(conversation_id__in=conversation_ids)
        about |= Q(resource__in=ABOUT_A_CONVERSATION, payload__conversationId__in=conversation_ids)
        about |= Q(resource="conversation", payload__id__in=conversation_ids)
    return Event.objects.filter(workspace_id=bot.workspace_id, bot=bot).filter(about)
