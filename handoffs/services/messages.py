from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from agents.errors import ApplicationError, Forbidden
from agents.selectors import membership_get

from ..models import Bot, Conversation, Handoff, Message
from ..representations import MessageRepresentation
from .conversations import conversation_get_or_create, end_user_get_or_create
from .events import event_emit
from .notifications import notify_user_message


@dataclass(frozen=True)
class Received:
    message: Message
    created: bool
    # "agent" when the conversation is paused (the bot must stay silent), else "bot".
    routed_to: str


def _check_content(text: str, payload: dict[str, Any] | None) -> None:
    if not isinstance(text, str):
        raise ApplicationError("text must be a string.", code="invalid_text")
    if payload is not None and not isinstance(payload, dict):
        raise ApplicationError("payload must be a JSON object.", code="invalid_payload")
    if not text and not payload:
        raise ApplicationError("A message needs text or a payload.", code="empty_message")
    limit = settings.HITL["MAX_TEXT_LENGTH"]
    if len(text) > limit:
        raise ApplicationError(
            f"Text is longer than {limit} characters.", code="text_too_long", status_code=413
        )


def _create(
    *,
    conversation: Conversation,
    direction: str,
    text: str,
    payload: dict[str, Any] | None = None,
    author: AbstractBaseUser | None = None,
    external_id: str | None = None,
) -> Message:
    message = Message.objects.create(
        conversation=conversation,
        direction=direction,
        text=text,
        payload=payload or {},
        author=author,
        external_id=external_id or None,
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    conversation.last_message_at = message.created_at
    event_emit(
        bot=conversation.bot,
        type="message.created",
        resource="message",
        payload=MessageRepresentation(message).data,
        conversation_id=conversation.pk,
    )
    return message


def message_ingest(
    *,
    bot: Bot,
    channel: str,
    user_id: str,
    direction: str = Message.Direction.INCOMING,
    text: str = "",
    payload: dict[str, Any] | None = None,
    thread_id: str = "",
    external_id: str | None = None,
    variables: dict[str, Any] | None = None,
) -> Received:
    """Store a message arriving from a channel or bot platform, at most once per external id."""
    if direction not in (Message.Direction.INCOMING, Message.Direction.OUTGOING):
        raise ApplicationError("direction must be incoming or outgoing.", code="invalid_direction")
    _check_content(text, payload)
    with transaction.atomic():
        end_user, _ = end_user_get_or_create(
            bot=bot, channel=channel, external_id=user_id, variables=variables
        )
        conversation, _ = conversation_get_or_create(
            bot=bot, end_user=end_user, thread_id=thread_id
        )
        routed_to = "agent" if conversation.paused else "bot"
        if external_id:
            existing = Message.objects.filter(
                conversation=conversation, external_id=external_id
            ).first()
            if existing is not None:
                return Received(message=existing, created=False, routed_to=routed_to)
        try:
            with transaction.atomic():
                message = _create(
                    conversation=conversation,
                    direction=direction,
                    text=text,
                    payload=payload,
                    external_id=external_id,
                )
        except IntegrityError:
            # The same external id raced in from a retry; the first one stays.
            existing = Message.objects.get(conversation=conversation, external_id=external_id)
            return Received(message=existing, created=False, routed_to=routed_to)
        if direction == Message.Direction.INCOMING and conversation.paused:
            # Only a paused conversation can have an agent holding it: the bot path pays nothing.
            notify_user_message(conversation=conversation, message=message)
    return Received(message=message, created=True, routed_to=routed_to)


def message_receive_user(
    *,
    bot: Bot,
    channel: str,
    user_id: str,
    text: str = "",
    payload: dict[str, Any] | None = None,
    thread_id: str = "",
    external_id: str | None = None,
    variables: dict[str, Any] | None = None,
) -> Received:
    """A user's message: in a paused conversation it goes to the agents, whatever its type."""
    return message_ingest(
        bot=bot,
        channel=channel,
        user_id=user_id,
        text=text,
        payload=payload,
        thread_id=thread_id,
        external_id=external_id,
        variables=variables,
    )


@transaction.atomic
def message_send_bot(
    *, conversation: Conversation, text: str = "", payload: dict[str, Any] | None = None
) -> Message:
    _check_content(text, payload)
    return _create(
        conversation=conversation,
        direction=Message.Direction.OUTGOING,
        text=text,
        payload=payload,
    )


def message_send_system(
    *, conversation: Conversation, text: str, payload: dict[str, Any] | None = None
) -> Message | None:
    """Transfer, assign, resolve and expiry notices; nothing is sent when the text is empty."""
    if not text:
        return None
    return _create(
        conversation=conversation,
        direction=Message.Direction.SYSTEM,
        text=text,
        payload=payload,
    )


@transaction.atomic
def message_send_agent(
    *,
    conversation: Conversation,
    agent: AbstractBaseUser,
    text: str = "",
    payload: dict[str, Any] | None = None,
) -> Message:
    """Only the assigned agent, or an admin, or anyone while a conversation is paused by hand."""
    _check_content(text, payload)
    membership = membership_get(workspace_id=conversation.bot.workspace_id, user_id=agent.pk)
    if membership is None:
        raise Forbidden("You are not a member of this workspace.")
    if not membership.is_admin:
        handoff = Handoff.objects.filter(
            conversation=conversation, status__in=Handoff.OPEN_STATUSES
        ).first()
        if handoff is None and not conversation.paused:
            raise ApplicationError(
                "Pause the conversation or take a handoff before writing to the user.",
                code="conversation_not_paused",
                status_code=409,
            )
        if handoff is not None and handoff.agent_id != agent.pk:
            raise Forbidden(
                "Only the agent assigned to this handoff can write to the user.",
                code="not_assigned_agent",
            )
    return _create(
        conversation=conversation,
        direction=Message.Direction.AGENT,
        text=text,
        payload=payload,
        author=agent,
    )


def message_mark_delivery(*, message: Message, ok: bool, error: str = "") -> None:
    """Adapters record the outcome of outbound delivery, so a failure is visible."""
    Message.objects.filter(pk=message.pk).update(
        delivery_status=Message.Delivery.SENT if ok else Message.Delivery.FAILED,
        delivery_error=error[:500],
    )
