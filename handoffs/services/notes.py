from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from agents.errors import ApplicationError, Forbidden
from agents.selectors import membership_get

from ..models import Conversation, Handoff, Note
from ..representations import NoteRepresentation
from .content import check_text
from .events import event_emit
from .mentions import notify_mentions


@transaction.atomic
def note_add(
    *,
    conversation: Conversation,
    author: User,
    text: str,
    handoff: Handoff | None = None,
) -> Note:
    """A note stays with the conversation, so every later handoff of the user shows it."""
    if membership_get(workspace_id=conversation.bot.workspace_id, user_id=author.pk) is None:
        raise Forbidden("You are not a member of this workspace.")
    text = check_text(text or "").strip()
    if not text:
        raise ApplicationError("A note needs some text.", code="empty_note")
    if handoff is None:
        handoff = Handoff.objects.filter(conversation=conversation).order_by("-created_at").first()
    note = Note.objects.create(conversation=conversation, author=author, text=text, handoff=handoff)
    event_emit(
        bot=conversation.bot,
        type="note.created",
        resource="note",
        payload=NoteRepresentation(note).data,
    )
    notify_mentions(note=note)
    return note
