"""E-mail alerts: a listener on the event stream, so a new handoff is announced once, after
commit, like every other consequence of an event."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mass_mail

from agents.models import Membership

from .models import Bot, Event

logger = logging.getLogger(__name__)


def on_event(event: Event) -> None:
    if (
        event.type != "handoff.created"
        or event.payload.get("status") != "pending"
        or event.bot_id is None
    ):
        return
    bot = Bot.objects.filter(pk=event.bot_id, email_alerts=True).first()
    if bot is None:
        return
    recipients = list(
        Membership.objects.filter(workspace_id=bot.workspace_id, online=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not recipients:
        return
    user = event.payload.get("user") or {}
    name = user.get("name") or event.payload.get("userId")
    last = (event.payload.get("userConversation") or {}).get("text", "")
    subject = f"[{bot.name}] {name} is waiting for an agent"
    body = f"{name} asked for a human on {event.payload.get('userChannel')}."
    if last:
        body += f'\n\nLast message: "{last[:500]}"'
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [email]) for email in recipients]
    try:
        send_mass_mail(messages, fail_silently=False)
    except Exception:
        # The handoff is already live in the workspace; a mail server outage must not hide it.
        logger.warning("handoff alert e-mail for event %s failed", event.id, exc_info=True)
