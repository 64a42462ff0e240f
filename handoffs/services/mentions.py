"""Mentions in notes: "@username" or "@Display Name" of a workspace member notifies them."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils.translation import gettext_lazy

from agents.models import Membership
from agents.selectors import agent_display_name

from ..models import Note, Notification
from .notifications import handoff_link, message_text, notify

# What may follow a name: the end, a space, or punctuation, never more of a word ("@ann" does
# not name "annabel").
AFTER_NAME = r"(?![\w@.-]*[\w@-])"


def _names(membership: Membership) -> list[str]:
    user = membership.user
    names = [user.get_username(), agent_display_name(user)]
    return [name for name in dict.fromkeys(names) if name and name.strip()]


def mentioned_user_ids(*, text: str, workspace_id: int) -> list[int]:
    """The members of the workspace whose username or display name follows an "@"."""
    if "@" not in text:
        return []
    members = Membership.objects.filter(workspace_id=workspace_id).select_related(
        "user__agent_profile"
    )
    found = []
    for membership in members:
        for name in _names(membership):
            pattern = r"(?<![\w@])@" + re.escape(name) + AFTER_NAME
            if re.search(pattern, text, re.IGNORECASE):
                found.append(membership.user_id)
                break
    return found


def conversation_link(note: Note) -> str:
    bot_id = note.conversation.bot.bot_id
    url = reverse("conversations-bot", kwargs={"bot_id": bot_id})
    return f"{url}?conversation={note.conversation_id}"


def notify_mentions(*, note: Note) -> list[Notification]:
    """In the note's transaction: each colleague it mentions (not its author) is notified, with
    a link to the handoff it was written on, or to the conversation."""
    conversation = note.conversation
    bot = conversation.bot
    recipients = [
        user_id
        for user_id in mentioned_user_ids(text=note.text, workspace_id=bot.workspace_id)
        if user_id != note.author_id
    ]
    if not recipients:
        return []
    handoff = note.handoff
    user_name = conversation.end_user.display_name
    if note.author:
        message = message_text(
            gettext_lazy("%(author)s mentioned you in a note on %(user)s: %(text)s"),
            author=agent_display_name(note.author),
            user=user_name,
            text=note.text[:200],
        )
    else:
        message = message_text(
            gettext_lazy("Someone mentioned you in a note on %(user)s: %(text)s"),
            user=user_name,
            text=note.text[:200],
        )
    return notify(
        workspace_id=bot.workspace_id,
        recipient_ids=recipients,
        kind=Notification.Kind.MENTION,
        message=message,
        link=handoff_link(handoff) if handoff else conversation_link(note),
        bot=bot,
        conversation=conversation,
        handoff=handoff,
    )
