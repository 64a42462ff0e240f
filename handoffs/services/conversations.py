from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from agents.errors import ApplicationError, Forbidden
from agents.selectors import membership_get

from ..models import Bot, Conversation, EndUser, Handoff, Message
from ..permissions import may_delete
from ..representations import ConversationRepresentation, EndUserRepresentation
from ..selectors import conversation_of_known_user
from .aliases import friendly_name
from .content import check_variables
from .events import event_emit


def end_user_get_or_create(
    *, bot: Bot, channel: str, external_id: str, variables: dict[str, Any] | None = None
) -> tuple[EndUser, bool]:
    if not external_id or len(external_id) > 200:
        raise ApplicationError("userId must be 1 to 200 characters.", code="invalid_user_id")
    if not channel or len(channel) > 40:
        raise ApplicationError("channel must be 1 to 40 characters.", code="invalid_channel")
    try:
        with transaction.atomic():
            alias = friendly_name(external_id) if bot.default_username else ""
            end_user, created = EndUser.objects.get_or_create(
                bot=bot, channel=channel, external_id=external_id, defaults={"alias": alias}
            )
    except IntegrityError:
        # Two first messages of the same user raced; the other insert won.
        end_user = EndUser.objects.get(bot=bot, channel=channel, external_id=external_id)
        created = False
    if variables:
        end_user_update_variables(end_user=end_user, variables=variables)
    return end_user, created


# Inside a caller's transaction (message_ingest) no savepoint: an error rolls back the caller.
@transaction.atomic(savepoint=False)
def end_user_update_variables(*, end_user: EndUser, variables: dict[str, Any]) -> EndUser:
    """Merge variables into the profile; a None value removes the variable."""
    if not isinstance(variables, dict):
        raise ApplicationError("Variables must be a JSON object.", code="invalid_variables")
    merged = {**end_user.variables, **variables}
    merged = check_variables({key: value for key, value in merged.items() if value is not None})
    if merged == end_user.variables:
        return end_user
    end_user.variables = merged
    end_user.save(update_fields=["variables"])
    event_emit(
        bot=end_user.bot,
        type="user.updated",
        resource="user",
        payload=EndUserRepresentation(end_user).data,
    )
    return end_user


def conversation_get_or_create(
    *, bot: Bot, end_user: EndUser, thread_id: str = ""
) -> tuple[Conversation, bool]:
    thread_id = thread_id or ""
    lookup: dict[str, Any] = {
        "bot": bot,
        "end_user": end_user,
        "channel": end_user.channel,
        "thread_id": thread_id,
    }
    try:
        with transaction.atomic():
            return Conversation.objects.get_or_create(**lookup)
    except IntegrityError:
        return Conversation.objects.get(**lookup), False


def conversation_for_message(
    *, bot: Bot, channel: str, user_id: str, thread_id: str = ""
) -> Conversation:
    """The conversation a channel message belongs to, creating user and conversation if new.

    A known user's conversation (nearly every message) costs one SELECT, without the
    savepoints of get_or_create; the bot is attached so nothing loads it again.
    """
    conversation = conversation_of_known_user(
        bot=bot, channel=channel, user_id=user_id, thread_id=thread_id or ""
    )
    if conversation is None:
        end_user, _ = end_user_get_or_create(bot=bot, channel=channel, external_id=user_id)
        conversation, _ = conversation_get_or_create(
            bot=bot, end_user=end_user, thread_id=thread_id
        )
    conversation.bot = bot
    return conversation


def conversation_for_user(
    *, bot: Bot, channel: str, user_id: str, thread_id: str | None = None
) -> Conversation:
    """The user's conversation, creating user and conversation if missing.

    Without a thread id (Botpress legacy HITL knows only channel + user) it is the user's
    most recent conversation, so pausing by user stops the bot where the user is talking.
    """
    end_user, _ = end_user_get_or_create(bot=bot, channel=channel, external_id=user_id)
    if thread_id is None:
        latest = (
            Conversation.objects.filter(bot=bot, end_user=end_user)
            .order_by(F("last_message_at").desc(nulls_last=True), "-id")
            .first()
        )
        if latest is not None:
            return latest
    conversation, _ = conversation_get_or_create(
        bot=bot, end_user=end_user, thread_id=thread_id or ""
    )
    return conversation


def _emit_conversation(conversation: Conversation, type: str) -> None:
    event_emit(
        bot=conversation.bot,
        type=type,
        resource="conversation",
        payload=ConversationRepresentation(conversation).data,
    )


@transaction.atomic
def conversation_pause(
    *, conversation: Conversation, actor: User | None = None, reason: str = ""
) -> Conversation:
    """Stop the bot for this user; pausing a paused conversation changes nothing."""
    updated = Conversation.objects.filter(pk=conversation.pk, paused=False).update(
        paused=True, paused_at=timezone.now(), paused_reason=reason[:200], paused_by=actor
    )
    conversation.refresh_from_db()
    if updated:
        _emit_conversation(conversation, "conversation.paused")
    return conversation


def conversation_release(*, conversation: Conversation) -> Conversation:
    """Unpause without touching handoffs; lifecycle services call it when a handoff closes."""
    updated = Conversation.objects.filter(pk=conversation.pk, paused=True).update(
        paused=False, paused_at=None, paused_reason="", paused_by=None
    )
    conversation.refresh_from_db()
    if updated:
        _emit_conversation(conversation, "conversation.unpaused")
    return conversation


@transaction.atomic
def conversation_delete(*, conversation: Conversation, actor: User) -> None:
    """Erase a conversation with its messages, notes and handoffs, where the bot allows it.

    An open handoff may only be erased by the agent holding it or an admin: a user waiting
    in the queue must not disappear because any agent clicked.
    """
    bot = conversation.bot
    if not bot.enable_conversation_deletion:
        raise Forbidden("This bot does not allow deleting conversations.", code="deletion_disabled")
    membership = membership_get(workspace_id=bot.workspace_id, user_id=actor.pk)
    if membership is None:
        raise Forbidden("You are not a member of this workspace.")
    open_handoff = Handoff.objects.filter(
        conversation=conversation, status__in=Handoff.OPEN_STATUSES
    ).first()
    if not may_delete(bot=bot, open_handoff=open_handoff, membership=membership):
        raise Forbidden(
            "Only the agent holding this handoff or an admin can delete the conversation.",
            code="not_assigned_agent",
        )
    conversations_erase(conversations=[conversation])


# Rows per DELETE of messages: a conversation may hold 20,000 of them.
MESSAGE_BATCH = 5_000


def conversations_erase(*, conversations: Sequence[Conversation]) -> int:
    """In the caller's transaction: tell the workspaces (`conversation.deleted`), then delete
    the conversations with their messages, notes, handoffs and notifications; returns how many
    messages went. The callers decide who may, and which conversations."""
    if not conversations:
        return 0
    ids = [conversation.pk for conversation in conversations]
    handoff_ids: dict[int, list[int]] = {pk: [] for pk in ids}
    handoffs = Handoff.objects.filter(conversation_id__in=ids).order_by("pk")
    for conversation_id, handoff_id in handoffs.values_list("conversation_id", "pk"):
        handoff_ids[conversation_id].append(handoff_id)
    # Written before the rows go: workspaces drop the handoffs from their lists live.
    for conversation in conversations:
        event_emit(
            bot=conversation.bot,
            type="conversation.deleted",
            resource="conversation",
            payload={
                "id": conversation.pk,
                "bot_id": conversation.bot.bot_id,
                "channel": conversation.channel,
                "user_id": conversation.end_user.external_id,
                "handoff_ids": handoff_ids[conversation.pk],
            },
        )
    # Messages in batches, and without the pointer to them: a cascade from the conversations
    # would load every message into memory at once.
    Conversation.objects.filter(pk__in=ids).update(last_user_message=None)
    messages = Message.objects.filter(conversation_id__in=ids)
    deleted = 0
    while batch := list(messages.values_list("pk", flat=True)[:MESSAGE_BATCH]):
        Message.objects.filter(pk__in=batch).delete()
        deleted += len(batch)
    Conversation.objects.filter(pk__in=ids).delete()
    return deleted
