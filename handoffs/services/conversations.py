from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from agents.errors import ApplicationError

from ..models import Bot, Conversation, EndUser
from ..representations import ConversationRepresentation, EndUserRepresentation
from .events import event_emit


def _max_length() -> int:
    return settings.HITL["MAX_TEXT_LENGTH"]


def end_user_get_or_create(
    *, bot: Bot, channel: str, external_id: str, variables: dict[str, Any] | None = None
) -> tuple[EndUser, bool]:
    if not external_id or len(external_id) > 200:
        raise ApplicationError("userId must be 1 to 200 characters.", code="invalid_user_id")
    try:
        with transaction.atomic():
            end_user, created = EndUser.objects.get_or_create(
                bot=bot, channel=channel, external_id=external_id
            )
    except IntegrityError:
        # Two first messages of the same user raced; the other insert won.
        end_user = EndUser.objects.get(bot=bot, channel=channel, external_id=external_id)
        created = False
    if variables:
        end_user_update_variables(end_user=end_user, variables=variables)
    return end_user, created


def end_user_update_variables(*, end_user: EndUser, variables: dict[str, Any]) -> EndUser:
    """Merge variables into the profile; a None value removes the variable."""
    if not isinstance(variables, dict):
        raise ApplicationError("Variables must be a JSON object.", code="invalid_variables")
    merged = {**end_user.variables, **variables}
    merged = {key: value for key, value in merged.items() if value is not None}
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
    lookup = {"bot": bot, "end_user": end_user, "channel": end_user.channel, "thread_id": thread_id}
    try:
        with transaction.atomic():
            return Conversation.objects.get_or_create(**lookup)
    except IntegrityError:
        return Conversation.objects.get(**lookup), False


def _emit_conversation(conversation: Conversation, type: str) -> None:
    event_emit(
        bot=conversation.bot,
        type=type,
        resource="conversation",
        payload=ConversationRepresentation(conversation).data,
    )


@transaction.atomic
def conversation_pause(
    *, conversation: Conversation, actor: AbstractBaseUser | None = None, reason: str = ""
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
