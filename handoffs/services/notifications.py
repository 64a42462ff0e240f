"""Notifications: stored per agent, written by the services that cause them, delivered live.

Each recipient gets a row of their own (read or not, theirs alone) and a private
`notification.created` event in the same transaction: the publisher sends it only to that
agent's sockets, replay shows it to nobody else, and webhooks never carry it.

The services' own messages are written in each recipient's language (their profile's, English
when they follow the browser, which a sweep cannot ask); a bot's or an API client's are kept
as given.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, TypedDict, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy

from agents.errors import ApplicationError
from agents.models import AgentProfile, Membership
from agents.selectors import agent_display_name

from ..models import Bot, Conversation, Handoff, Message, Notification
from ..representations import NotificationRepresentation
from .events import events_emit_private

K = Notification.Kind
L = Notification.Level

# The sweep warns about pending handoffs that expire within this window.
EXPIRY_WARNING = timedelta(seconds=60)
MAX_MESSAGE_LENGTH = 500
MAX_LINK_LENGTH = 500
MAX_MARK_IDS = 500


def message_text(template: Promise, **values: Any) -> Promise:
    """A message written when read: in the language active then (each recipient's, in notify)."""
    # lazy()'s stub types the proxy as the str it stands for.
    return cast(Promise, lazy(lambda: str(template) % values, str)())


def _languages(recipient_ids: list[int]) -> dict[int, str]:
    profiles = AgentProfile.objects.filter(user_id__in=recipient_ids).exclude(language="")
    return dict(profiles.values_list("user_id", "language"))


def _written_for(message: str | Promise, language: str | None) -> str:
    if isinstance(message, str):
        return message
    with translation.override(language or settings.LANGUAGE_CODE):
        return str(message)


def notify(
    *,
    workspace_id: int,
    recipient_ids: Iterable[int],
    kind: str,
    message: str | Promise,
    level: str = L.INFO,
    link: str = "",
    bot: Bot | None = None,
    conversation: Conversation | None = None,
    handoff: Handoff | None = None,
) -> list[Notification]:
    """Store one notification per recipient and write each one's private event."""
    recipient_ids = list(dict.fromkeys(recipient_ids))
    if not recipient_ids:
        return []
    languages = {} if isinstance(message, str) else _languages(recipient_ids)
    with transaction.atomic():
        notifications = Notification.objects.bulk_create(
            Notification(
                workspace_id=workspace_id,
                recipient_id=recipient_id,
                bot=bot,
                kind=kind,
                level=level,
                message=_written_for(message, languages.get(recipient_id))[:MAX_MESSAGE_LENGTH],
                link=link[:MAX_LINK_LENGTH],
                conversation=conversation,
                handoff=handoff,
            )
            for recipient_id in recipient_ids
        )
        events_emit_private(
            bot=bot,
            workspace_id=workspace_id,
            type="notification.created",
            resource="notification",
            payloads={n.recipient_id: NotificationRepresentation(n).data for n in notifications},
        )
    return notifications


def _members(workspace_id: int) -> list[int]:
    return list(
        Membership.objects.filter(workspace_id=workspace_id).values_list("user_id", flat=True)
    )


def handoff_link(handoff: Handoff) -> str:
    """Where the agent acts on a handoff: the workspace page with it selected."""
    return (
        reverse("workspace-bot", kwargs={"bot_id": handoff.bot.bot_id}) + f"?handoff={handoff.pk}"
    )


class _AboutHandoff(TypedDict):
    """`notify`'s arguments that name a handoff and where it is."""

    workspace_id: int
    bot: Bot
    conversation: Conversation
    handoff: Handoff
    link: str


def _about_handoff(handoff: Handoff) -> _AboutHandoff:
    return {
        "workspace_id": handoff.bot.workspace_id,
        "bot": handoff.bot,
        "conversation": handoff.conversation,
        "handoff": handoff,
        "link": handoff_link(handoff),
    }


def _user_name(handoff: Handoff) -> str:
    return handoff.conversation.end_user.display_name


def notify_handoff_new(*, handoff: Handoff) -> list[Notification]:
    """Every member of the workspace: anyone may take it, and admins watch the queue."""
    return notify(
        **_about_handoff(handoff),
        recipient_ids=_members(handoff.bot.workspace_id),
        kind=K.HANDOFF_NEW,
        message=message_text(
            gettext_lazy("New handoff: %(user)s is waiting for an agent."),
            user=_user_name(handoff),
        ),
    )


def notify_handoff_assigned(
    *, handoff: Handoff, agent: User, actor: User | None
) -> list[Notification]:
    """The agent who got a handoff without taking it: from an admin, or the auto-assigner."""
    if actor is not None:
        message = message_text(
            gettext_lazy("%(agent)s assigned you the handoff of %(user)s."),
            agent=agent_display_name(actor),
            user=_user_name(handoff),
        )
    else:
        message = message_text(
            gettext_lazy("You were assigned the handoff of %(user)s."), user=_user_name(handoff)
        )
    return notify(
        **_about_handoff(handoff),
        recipient_ids=[agent.pk],
        kind=K.HANDOFF_ASSIGNED,
        message=message,
    )


def notify_handoff_transferred(
    *, handoff: Handoff, to_agent: User, actor: User
) -> list[Notification]:
    return notify(
        **_about_handoff(handoff),
        recipient_ids=[to_agent.pk],
        kind=K.HANDOFF_TRANSFERRED,
        message=message_text(
            gettext_lazy("%(agent)s transferred the handoff of %(user)s to you."),
            agent=agent_display_name(actor),
            user=_user_name(handoff),
        ),
    )


def notify_user_message(*, conversation: Conversation, message: Message) -> list[Notification]:
    """The agent holding the conversation's handoff hears that its user wrote.

    One unread notification per conversation is enough: a user typing ten lines raises the
    bell once, until the agent reads it.
    """
    handoff = (
        Handoff.objects.filter(conversation=conversation, status=Handoff.Status.ASSIGNED)
        .select_related("bot", "conversation__end_user")
        .first()
    )
    if handoff is None or handoff.agent_id is None:
        return []
    already = Notification.objects.filter(
        recipient_id=handoff.agent_id,
        read_at__isnull=True,
        kind=K.USER_MESSAGE,
        conversation=conversation,
    ).exists()
    if already:
        return []
    text = message.text or f"[{message.payload.get('type', 'message')}]"
    return notify(
        **_about_handoff(handoff),
        recipient_ids=[handoff.agent_id],
        kind=K.USER_MESSAGE,
        message=message_text(
            gettext_lazy("%(user)s wrote: %(text)s"), user=_user_name(handoff), text=text[:200]
        ),
    )


def handoffs_warn_expiring(*, now: datetime | None = None) -> int:
    """Warn the workspace about pending handoffs that expire within a minute, once each."""
    now = now or timezone.now()
    soon = Handoff.objects.filter(
        status=Handoff.Status.PENDING,
        expiry_warned_at__isnull=True,
        expires_at__gt=now,
        expires_at__lte=now + EXPIRY_WARNING,
    ).select_related("bot", "conversation__end_user")
    warned = 0
    for handoff in soon:
        with transaction.atomic():
            # Conditional UPDATE: two sweeps running at once must not warn twice.
            claimed = Handoff.objects.filter(
                pk=handoff.pk, status=Handoff.Status.PENDING, expiry_warned_at__isnull=True
            ).update(expiry_warned_at=now)
            if not claimed:
                continue
            notify(
                **_about_handoff(handoff),
                recipient_ids=_members(handoff.bot.workspace_id),
                kind=K.HANDOFF_EXPIRING,
                level=L.WARNING,
                message=message_text(
                    gettext_lazy(
                        "The handoff of %(user)s expires in less than a minute: "
                        "nobody has taken it."
                    ),
                    user=_user_name(handoff),
                ),
            )
        warned += 1
    return warned


def _check_link(link: str) -> str:
    """A link opens in the agent's page: only http(s) or a path on this site, never a script."""
    link = (link or "").strip()
    if not link:
        return ""
    if len(link) > MAX_LINK_LENGTH:
        raise ApplicationError(
            f"link is longer than {MAX_LINK_LENGTH} characters.", code="invalid_link"
        )
    local = link.startswith("/") and not link.startswith("//") and "\\" not in link
    if not (local or link.lower().startswith(("https://", "http://"))):
        raise ApplicationError(
            "link must be an http(s) URL or a path starting with /.", code="invalid_link"
        )
    return link


def notification_create_custom(
    *, bot: Bot, message: str, level: str = L.INFO, link: str = ""
) -> list[Notification]:
    """A bot's or an external system's notice to every member of the bot's workspace.

    Botpress's `bp.notifications.create`: a message, a level and a link.
    """
    message = (message or "").strip()
    if not message:
        raise ApplicationError("A notification needs a message.", code="empty_message")
    if len(message) > MAX_MESSAGE_LENGTH:
        raise ApplicationError(
            f"message is longer than {MAX_MESSAGE_LENGTH} characters.", code="invalid_message"
        )
    if level not in L.values:
        raise ApplicationError(f"level must be one of {', '.join(L.values)}.", code="invalid_level")
    return notify(
        workspace_id=bot.workspace_id,
        recipient_ids=_members(bot.workspace_id),
        bot=bot,
        kind=K.CUSTOM,
        level=level,
        message=message,
        link=_check_link(link),
    )


def notification_mark_read(
    *,
    user: User,
    workspace_id: int,
    ids: Iterable[int] | None = None,
    all: bool = False,
) -> int:
    """Mark the caller's own notifications read; others' ids are ignored, never an error."""
    if all == (ids is not None):
        raise ApplicationError("Send either ids or all.", code="invalid_read_request")
    unread = Notification.objects.filter(
        recipient_id=user.pk, workspace_id=workspace_id, read_at__isnull=True
    )
    if ids is not None:
        ids = list(ids)
        if len(ids) > MAX_MARK_IDS:
            raise ApplicationError(
                f"At most {MAX_MARK_IDS} ids at once.", code="invalid_read_request"
            )
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
