"""Satisfaction (CSAT): after an agent resolves a handoff, the user is asked for a 1-5 rating.

The question goes out as a system message with quick replies (every channel adapter turns
`{"type": "quick_reply", "choices": [...]}` into its buttons); the user's answer, a choice's
value (`csat:4`) or a bare "4" as the next message, is stored on the handoff and never reaches
the bot as a normal message. An API bot that asks by itself records the score with
`handoff_csat_record`.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils import timezone

from agents.errors import ApplicationError, Unprocessable

from ..models import Conversation, Handoff, Message
from ..models.handoffs import CSAT_MAX, CSAT_MIN
from .events import handoff_emit
from .texts import localized

# A choice's value: unambiguous on every channel, whatever other quick replies the bot uses.
CHOICE_PREFIX = "csat:"
CHOICE_VALUE = re.compile(r"csat:([1-5])")
# A typed answer: "4", "4/5", "4 stars", "4." (the same latitude as the demo bot's).
TYPED_SCORE = re.compile(r"\s*([1-5])\s*(?:/\s*5|stars?|étoiles?|estrellas?)?\s*[.!]?\s*", re.I)
# WhatsApp sends more than three choices as a list, whose answer is a list_reply.
REPLY_TYPES = ("quick_reply", "list_reply")
MAX_COMMENT_LENGTH = 1000


def question_payload(handoff: Handoff) -> dict[str, Any]:
    choices = [
        {"title": str(score), "value": f"{CHOICE_PREFIX}{score}"}
        for score in range(CSAT_MIN, CSAT_MAX + 1)
    ]
    return {"type": "quick_reply", "choices": choices, "csat": {"handoffId": handoff.pk}}


def csat_ask(*, handoff: Handoff) -> bool:
    """In the resolve's transaction: ask the user for a rating when the bot wants one."""
    from .messages import message_send_system  # messages reads answers through this module

    bot = handoff.bot
    if not bot.csat_enabled or handoff.status != Handoff.Status.RESOLVED or not handoff.agent_id:
        return False
    conversation = handoff.conversation
    text = localized(messages=bot.csat_question, bot=bot, end_user=conversation.end_user)
    if not text:
        return False
    Handoff.objects.filter(pk=handoff.pk).update(csat_asked_at=timezone.now())
    message_send_system(conversation=conversation, text=text, payload=question_payload(handoff))
    return True


def _score_of(text: str, payload: dict[str, Any] | None) -> tuple[int | None, bool]:
    """(score, by a choice) of a user's message; (None, False) when it is no rating."""
    if payload and payload.get("type") in REPLY_TYPES:
        match = CHOICE_VALUE.fullmatch(str(payload.get("value") or ""))
        return (int(match.group(1)), True) if match else (None, False)
    if payload:
        return None, False
    match = TYPED_SCORE.fullmatch(text or "")
    return (int(match.group(1)), False) if match else (None, False)


def csat_may_answer(*, text: str, payload: dict[str, Any] | None) -> bool:
    """Whether a user's message reads as a rating, before it is stored."""
    return _score_of(text, payload)[0] is not None


def csat_take_answer(*, conversation: Conversation, message: Message) -> Handoff | None:
    """In the ingest's transaction: store the user's message as the rating it answers, if it
    is one. A choice counts while the question is unanswered; a typed number only as the first
    thing the user says after it. Only the conversation's latest handoff is rated."""
    if conversation.paused:
        return None
    score, by_choice = _score_of(message.text, message.payload)
    if score is None:
        return None
    latest = Handoff.objects.filter(conversation=conversation).order_by("-created_at", "-id")
    handoff = latest.select_for_update().first()
    if handoff is None or handoff.csat_asked_at is None or handoff.csat_answered_at is not None:
        return None
    if not by_choice:
        earlier = Message.objects.filter(
            conversation=conversation,
            direction=Message.Direction.INCOMING,
            created_at__gte=handoff.csat_asked_at,
            pk__lt=message.pk,
        )
        if earlier.exists():
            return None
    _store(handoff, score=score, comment="")
    _thank(handoff)
    return handoff


def _thank(handoff: Handoff) -> None:
    from .messages import message_send_system

    bot = handoff.bot
    conversation = handoff.conversation
    text = localized(messages=bot.csat_thanks_message, bot=bot, end_user=conversation.end_user)
    message_send_system(conversation=conversation, text=text, payload={"type": "text"})


def _store(handoff: Handoff, *, score: int, comment: str) -> None:
    Handoff.objects.filter(pk=handoff.pk).update(
        csat_score=score,
        csat_comment=comment,
        csat_answered_at=timezone.now(),
        updated_at=timezone.now(),
    )
    handoff.refresh_from_db()
    handoff_emit(handoff)


def check_score(score: Any) -> int:
    # bool is an int in Python: `true` is no score.
    if isinstance(score, bool) or not isinstance(score, int) or not CSAT_MIN <= score <= CSAT_MAX:
        raise ApplicationError(
            f"score must be a whole number from {CSAT_MIN} to {CSAT_MAX}.",
            code="invalid_score",
            extra={"errors": {"score": [f"A whole number from {CSAT_MIN} to {CSAT_MAX}."]}},
        )
    return score


@transaction.atomic
def handoff_csat_record(*, handoff: Handoff, score: Any, comment: Any = "") -> Handoff:
    """A bot that asked by itself records the user's rating; a later one replaces it."""
    score = check_score(score)
    if comment is None:
        comment = ""
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT_LENGTH:
        raise ApplicationError(
            f"comment must be text of at most {MAX_COMMENT_LENGTH} characters.",
            code="invalid_comment",
            extra={"errors": {"comment": [f"At most {MAX_COMMENT_LENGTH} characters."]}},
        )
    if handoff.is_open:
        raise Unprocessable(
            "This handoff is still open: rate it once it has ended.",
            code=f"handoff_{handoff.status}",
            extra={"status": handoff.status, "agentId": handoff.agent_id},
        )
    _store(handoff, score=score, comment=comment.strip())
    return handoff
