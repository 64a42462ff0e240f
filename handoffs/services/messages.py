from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from agents.errors import ApplicationError, Forbidden
from agents.selectors import membership_get

from .. import outbound
from ..models import Bot, Conversation, Event, Handoff, Message
from ..permissions import may_write
from ..representations import MessageRepresentation, to_camel, wire
from ..selectors import conversation_of_known_user
from . import csat, sla
from .content import check_payload, check_text
from .conversations import conversation_for_message, end_user_update_variables
from .events import event_follow, event_new
from .message_rows import message_rows_in_one_statement, message_rows_save
from .notifications import notify_user_message
from .webhooks import webhooks_exist


@dataclass(frozen=True)
class Received:
    message: Message
    created: bool
    # "agent" when the conversation is paused (the bot must stay silent), "csat" when it is the
    # user's answer to the rating question (stored on the handoff, not for the bot), else "bot".
    routed_to: str
    # The message as the API and the event stream show it (camelCase), built once.
    representation: dict[str, Any]


def _check_content(text: str, payload: dict[str, Any] | None) -> None:
    check_text(text)
    check_payload(payload)
    if not text and not payload:
        raise ApplicationError("A message needs text or a payload.", code="empty_message")


def _create(**fields: Any) -> Message:
    """`_store` for callers that need only the message."""
    return _store(**fields)[0]


def _store(
    *,
    conversation: Conversation,
    direction: str,
    text: str,
    payload: dict[str, Any] | None = None,
    author: User | None = None,
    external_id: str | None = None,
    webhooks: bool = True,
) -> tuple[Message, Event]:
    # Marked in the same transaction, so a message that a crash kept from its channel stays
    # visibly pending and the sweep sends it (services.deliveries).
    pushed = direction in outbound.TO_USER_DIRECTIONS and outbound.pushes_to(conversation.channel)
    message = Message(
        conversation=conversation,
        direction=direction,
        text=text,
        payload=payload or {},
        author=author,
        external_id=external_id or None,
        delivery_status=Message.Delivery.PENDING if pushed else Message.Delivery.NONE,
    )
    event = event_new(
        bot=conversation.bot,
        type="message.created",
        resource="message",
        payload={},
        conversation_id=conversation.pk,
    )
    user_message = direction == Message.Direction.INCOMING
    message_rows_save(
        message=message,
        event=event,
        represent=lambda saved: to_camel(MessageRepresentation(saved).data),
        user_message=user_message,
    )
    conversation.last_message_at = message.created_at
    if user_message:
        conversation.last_user_message = message
    event_follow(event, conversation.bot, webhooks=webhooks)
    return message, event


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
    """Store a message arriving from a channel or bot platform, at most once per external id.

    A user's message in a paused conversation goes to the agents only, whatever its type.
    """
    if direction not in (Message.Direction.INCOMING, Message.Direction.OUTGOING):
        raise ApplicationError("direction must be incoming or outgoing.", code="invalid_direction")
    _check_content(text, payload)
    known = None
    if _may_write_alone(bot, direction, text, payload, external_id, variables):
        known = conversation_of_known_user(
            bot=bot, channel=channel, user_id=user_id, thread_id=thread_id or ""
        )
        if known is not None:
            known.bot = bot
            if not known.paused:
                # No webhook endpoint, as `_may_write_alone` read: not asked again.
                message, event = _store(
                    conversation=known,
                    direction=direction,
                    text=text,
                    payload=payload,
                    webhooks=False,
                )
                return Received(
                    message=message, created=True, routed_to="bot", representation=event.payload
                )
    with transaction.atomic():
        conversation = known or conversation_for_message(
            bot=bot, channel=channel, user_id=user_id, thread_id=thread_id
        )
        if variables:
            end_user = conversation.end_user
            end_user.bot = bot
            end_user_update_variables(end_user=end_user, variables=variables)
        routed_to = "agent" if conversation.paused else "bot"
        content: dict[str, Any] = {"direction": direction, "text": text, "payload": payload}
        if external_id:
            existing = _known(conversation, external_id)
            if existing is not None:
                return _replay(existing, routed_to)
            try:
                with transaction.atomic():
                    message, event = _store(
                        conversation=conversation, external_id=external_id, **content
                    )
            except IntegrityError:
                # The same external id raced in from a retry; the first one stays.
                existing = _known(conversation, external_id)
                if existing is None:
                    raise
                return _replay(existing, routed_to)
        else:
            # Without an external id no constraint can refuse the row: no savepoint needed.
            message, event = _store(conversation=conversation, **content)
        if direction == Message.Direction.INCOMING and conversation.paused:
            # Only a paused conversation can have an agent holding it: the bot path pays nothing.
            notify_user_message(conversation=conversation, message=message)
        elif (
            direction == Message.Direction.INCOMING
            and csat.csat_take_answer(conversation=conversation, message=message) is not None
        ):
            routed_to = "csat"
    return Received(
        message=message, created=True, routed_to=routed_to, representation=event.payload
    )


def _may_write_alone(
    bot: Bot,
    direction: str,
    text: str,
    payload: dict[str, Any] | None,
    external_id: str | None,
    variables: dict[str, Any] | None,
) -> bool:
    """Whether a user's message to a known user's conversation that the bot holds would write
    nothing but its own rows. On PostgreSQL those are one statement (services.message_rows),
    atomic without a transaction: no BEGIN and COMMIT, two round trips of the ingest's five
    (bench/README.md, "Ingest against the bare view").

    Nothing else: no variables to merge, no external id to find first, no rating to record
    (csat), no webhook endpoint to give a delivery, and the user's message is never pushed to a
    channel, so no deriver records one (tests/handoffs/test_ingest_alone.py holds every
    registered deriver to that). A paused conversation notifies agents: checked once it is read.
    """
    return (
        direction == Message.Direction.INCOMING
        and not variables
        and not external_id
        and message_rows_in_one_statement()
        and not csat.csat_may_answer(text=text, payload=payload)
        and not webhooks_exist(workspace_id=bot.workspace_id)
    )


def _replay(message: Message, routed_to: str) -> Received:
    return Received(
        message=message,
        created=False,
        routed_to=routed_to,
        representation=wire(MessageRepresentation(message)),
    )


def _known(conversation: Conversation, external_id: str) -> Message | None:
    return Message.objects.filter(conversation=conversation, external_id=external_id).first()


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
    agent: User,
    text: str = "",
    payload: dict[str, Any] | None = None,
) -> Message:
    """Only the assigned agent, or an admin, or anyone while a conversation is paused by hand."""
    _check_content(text, payload)
    membership = membership_get(workspace_id=conversation.bot.workspace_id, user_id=agent.pk)
    if membership is None:
        raise Forbidden("You are not a member of this workspace.")
    handoff = (
        None
        if membership.is_admin
        else Handoff.objects.filter(
            conversation=conversation, status__in=Handoff.OPEN_STATUSES
        ).first()
    )
    if not may_write(conversation=conversation, open_handoff=handoff, membership=membership):
        if handoff is None:
            raise ApplicationError(
                "Pause the conversation or take a handoff before writing to the user.",
                code="conversation_not_paused",
            )
        raise Forbidden(
            "Only the agent assigned to this handoff can write to the user.",
            code="not_assigned_agent",
        )
    outbound.check_send(conversation, text, payload)
    message = _create(
        conversation=conversation,
        direction=Message.Direction.AGENT,
        text=text,
        payload=payload,
        author=agent,
    )
    sla.handoff_mark_first_response(conversation=conversation)
    return message
