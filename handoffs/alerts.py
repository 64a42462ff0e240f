"""E-mail alerts: a new pending handoff becomes one e-mail delivery per online agent, written
in the handoff's transaction and sent by the delivery workers (docs/delivery.md)."""

from __future__ import annotations

import logging
import smtplib
from typing import Any

import httpx
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from agents.models import Membership

from . import transcripts
from .models import Bot, Conversation, Delivery, Event
from .outbound import Outcome
from .services.delivery_engine import delivery_record

logger = logging.getLogger(__name__)

# One mail server for the deployment: one destination, one breaker.
SMTP = "smtp"


def derive(event: Event, bot: Bot | None) -> None:
    if event.type != "handoff.created" or event.payload.get("status") != "pending" or bot is None:
        return
    # Read fresh: the caller's bot may be a cached copy from before the setting changed.
    if not Bot.objects.filter(pk=bot.pk, email_alerts=True).exists():
        return
    recipients = list(
        Membership.objects.filter(workspace_id=bot.workspace_id, online=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    user = event.payload.get("user") or {}
    name = user.get("name") or event.payload.get("userId")
    last = (event.payload.get("userConversation") or {}).get("text", "")
    subject = f"[{bot.name}] {name} is waiting for an agent"
    body = f"{name} asked for a human on {event.payload.get('userChannel')}."
    if last:
        body += f'\n\nLast message: "{last[:500]}"'
    for email in recipients:
        email_record(subject=subject, body=body, to=[email], workspace_id=bot.workspace_id)


def email_record(
    *,
    subject: str,
    body: str,
    to: list[str],
    workspace_id: int | None,
    transcript: dict[str, Any] | None = None,
    event: Event | None = None,
) -> None:
    """An e-mail that leaves with the transaction that wants it, or not at all. `transcript`
    (`conversationId`, `upTo`, `baseUrl`) attaches a conversation's, rendered as it leaves:
    the row stays small however long the conversation. With `event`, deleting that event (an
    erasure) cancels the mail."""
    payload: dict[str, Any] = {
        "subject": subject,
        "body": body,
        "from": settings.DEFAULT_FROM_EMAIL,
        "to": to,
    }
    if transcript is not None:
        payload["transcript"] = transcript
    delivery_record(
        kind=Delivery.Kind.EMAIL,
        destination_key=SMTP,
        workspace_id=workspace_id,
        event=event,
        payload=payload,
    )


def email_send(delivery: Delivery, client: httpx.Client) -> Outcome:
    """The delivery engine's sender for e-mail, through Django's configured mail backend."""
    mail = delivery.payload
    message = EmailMultiAlternatives(
        subject=mail.get("subject", ""),
        body=mail.get("body", ""),
        from_email=mail.get("from") or None,
        to=mail.get("to") or [],
        headers={"X-Hitl-Delivery": str(delivery.delivery_id)},
    )
    if "transcript" in mail:
        conversation = _transcript_conversation(mail["transcript"])
        if conversation is None:
            # Deleted or erased since: nothing is left to send, now or later.
            return Outcome(ok=False, error="The conversation no longer exists.", final=True)
        options = {
            "conversation": conversation,
            "base_url": mail["transcript"].get("baseUrl") or "",
            "up_to": mail["transcript"].get("upTo"),
            "latest": transcripts.EMAIL_MESSAGES,
        }
        message.body = f"{message.body}\n\n{''.join(transcripts.transcript_text(**options))}"
        message.attach_alternative("".join(transcripts.transcript_html(**options)), "text/html")
    try:
        message.send(fail_silently=False)
    except Exception as error:
        # 552: the server will never take a mail this big; trying again only delays the others.
        too_big = isinstance(error, smtplib.SMTPResponseException) and error.smtp_code == 552
        return Outcome(ok=False, error=f"{type(error).__name__}: {error}", final=too_big)
    return Outcome(ok=True)


def _transcript_conversation(transcript: dict[str, Any]) -> Conversation | None:
    return (
        Conversation.objects.select_related("bot", "end_user")
        .filter(pk=int(transcript.get("conversationId") or 0))
        .first()
    )
