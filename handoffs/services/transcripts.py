"""Sending a conversation's transcript to its end user by e-mail: recorded with its event in
one transaction, sent by the delivery workers (alerts.email_send renders it as it leaves)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import override

from agents import limits
from agents.errors import Forbidden, NotFound, Unprocessable
from agents.selectors import membership_get

from ..models import Conversation
from .events import event_emit


def transcript_email_address(conversation: Conversation) -> str:
    """The end user's address as the bot knows it (`variables.email`), or ""."""
    value = conversation.end_user.variables.get("email")
    if not isinstance(value, str):
        return ""
    try:
        validate_email(value.strip())
    except ValidationError:
        return ""
    return value.strip()


def transcript_email_send(
    *, conversation: Conversation, actor: User | None, to: str = "", base_url: str = ""
) -> str:
    """Record the e-mail of the transcript, up to the last message now, to `to` or the user's
    own address; returns the address. `actor` None is an API token (the bot, a system)."""
    from ..alerts import email_record  # alerts imports the services package

    bot = conversation.bot
    membership = (
        None if actor is None else membership_get(workspace_id=bot.workspace_id, user_id=actor.pk)
    )
    if actor is not None and membership is None:
        raise NotFound("Unknown conversation.", code="conversation_not_found")
    address = to.strip()
    if address and membership is not None and not membership.is_admin:
        # An agent mails the user their own conversation; another address is an admin's call
        # (or the bot's, through its token).
        raise Forbidden("Only an admin may send a transcript to another address.", code="not_admin")
    if address:
        try:
            validate_email(address)
        except ValidationError:
            raise Unprocessable("Not an e-mail address.", code="invalid_email") from None
    else:
        address = transcript_email_address(conversation)
    if not address:
        raise Unprocessable(
            "The user's e-mail address is not known (variables.email).", code="no_email"
        )
    # One conversation's user is not to be flooded, whoever clicks.
    limits.check(
        "transcript_email",
        conversation.pk,
        "This transcript was e-mailed too often; try again later.",
    )
    # Nor one address, whichever conversations are sent to it.
    limits.check(
        "transcript_email",
        f"to:{address.lower()}",
        "Transcripts were e-mailed to this address too often; try again later.",
    )
    with override(bot.default_language or None):
        subject = _("Your conversation with %(bot)s") % {"bot": bot.name}
        body = _("The transcript of your conversation with %(bot)s.") % {"bot": bot.name}
    with transaction.atomic():
        # 0 with no message yet: the mail must not take in what comes after it was asked for.
        up_to = conversation.messages.aggregate(last=Max("id"))["last"] or 0
        # The mail hangs on its event: erasing the user deletes the event and cancels the mail.
        event = event_emit(
            bot=bot,
            type="conversation.transcript_sent",
            resource="conversation",
            payload={
                "conversation_id": conversation.pk,
                "user_id": conversation.end_user.external_id,
                "channel": conversation.channel,
                "to": address,
                "agent_id": actor.pk if actor is not None else None,
            },
            conversation_id=conversation.pk,
        )
        email_record(
            subject=subject,
            body=body,
            to=[address],
            workspace_id=bot.workspace_id,
            transcript={"conversationId": conversation.pk, "upTo": up_to, "baseUrl": base_url},
            event=event,
        )
    return address
