"""The built-in demo bot: greets, answers a few FAQ lines, hands off on request, asks for a rating.

`seed_demo` enables it on `welcome-bot`, so a newcomer can play the user and the agent; a real
bot is connected through `Bot.bot_webhook_url` instead.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction

from handoffs import services
from handoffs.models import Conversation, Message

HANDOFF_WORDS = re.compile(r"\b(human|agent|help)\b", re.IGNORECASE)
GREETING = re.compile(
    r"^\W*(hi|hello|hey|hallo|bonjour|salut|hola|good (morning|afternoon|evening))\b",
    re.IGNORECASE,
)
FAQ = (
    (
        re.compile(r"\b(ship\w*|deliver\w*|parcels?|packages?|orders?)\b", re.IGNORECASE),
        "We ship within 2 working days; delivery takes 3 to 5 days and is free from 50 EUR.",
    ),
    (
        re.compile(r"\b(warrant\w*|guarantee\w*|broken|repairs?)\b", re.IGNORECASE),
        "Every product has a two-year warranty: keep your receipt and tell us what broke.",
    ),
    (
        re.compile(r"\b(hours?|open\w*|closed?)\b", re.IGNORECASE),
        "We are open Monday to Friday 9:00-18:00, and Saturday 10:00-16:00.",
    ),
)
WELCOME = (
    "Hi! I'm the demo bot. Ask me about shipping, warranty or opening hours, "
    'or write "human" to talk to an agent.'
)
FALLBACK = (
    "Sorry, I didn't get that. I know about shipping, warranty and opening hours; "
    'write "human" to talk to an agent.'
)
NOT_TEXT = 'Thanks! I can only read text; write "human" if an agent should look at this.'
RATING_QUESTION = "{agent} has closed the conversation. How would you rate the help, from 1 to 5?"
RATING_THANKS = "Thank you for your rating: {score}/5. Anything else? I'm back."
NO_AGENT = (
    "Sorry, no agent could take your request. I'm back: ask me about shipping, warranty or "
    "opening hours."
)
# Marks the rating question, so the user's next message is read as a score.
ASK_RATING = "rating"
SCORE = re.compile(r"\s*([1-5])\s*(?:/\s*5|stars?)?\s*[.!]?\s*", re.IGNORECASE)


def on_user_message(*, message: Message) -> None:
    conversation = message.conversation
    if _awaiting_rating(conversation, before=message.pk):
        score = _score(message)
        if score is not None:
            with transaction.atomic():
                services.end_user_update_variables(
                    end_user=conversation.end_user, variables={"rating": score}
                )
                _say(conversation, RATING_THANKS.format(score=score))
            return
    if HANDOFF_WORDS.search(message.text):
        services.handoff_request(conversation=conversation, reason="The user asked for a human.")
        return
    _say(conversation, _answer(message.text))


def on_exit(*, conversation: Conversation, exit_type: str, agent_name: str | None) -> None:
    """The handoff ended: ask how it went, or say that nobody came."""
    if exit_type == "handoffResolved":
        if conversation.bot.csat_enabled:
            return  # hitl asks the rating question itself (handoffs/services/csat.py)
        choices = [{"title": str(n), "value": str(n)} for n in range(1, 6)]
        _say(
            conversation,
            RATING_QUESTION.format(agent=agent_name or "Our agent"),
            payload={"type": "quick_reply", "choices": choices, "ask": ASK_RATING},
        )
    else:
        _say(conversation, NO_AGENT)


def _answer(text: str) -> str:
    if not text.strip():
        return NOT_TEXT
    if GREETING.search(text):
        return WELCOME
    for pattern, answer in FAQ:
        if pattern.search(text):
            return answer
    return FALLBACK


def _awaiting_rating(conversation: Conversation, *, before: int) -> bool:
    last = (
        Message.objects.filter(conversation=conversation, pk__lt=before)
        .exclude(direction=Message.Direction.SYSTEM)
        .order_by("-id")
        .first()
    )
    return (
        last is not None
        and last.direction == Message.Direction.OUTGOING
        and last.payload.get("ask") == ASK_RATING
    )


def _score(message: Message) -> int | None:
    value = message.payload.get("value") if message.payload else None
    match = SCORE.fullmatch(str(value if value is not None else message.text))
    return int(match.group(1)) if match else None


def _say(conversation: Conversation, text: str, payload: dict[str, Any] | None = None) -> None:
    services.message_send_bot(conversation=conversation, text=text, payload=payload)
