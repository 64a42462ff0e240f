"""Business hours at the handoff request: refuse, or queue with the out-of-office message.

When the bot is open is read by handoffs/schedules.py (also for `GET availability`).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from ..models import Bot, Handoff
from ..models.bots import OutsideHours
from ..schedules import bot_opening
from .messages import message_send_system
from .texts import localized, render


def refuses_now(*, bot: Bot) -> bool:
    """Whether a handoff request is refused now: closed, and the bot says refuse."""
    if bot.outside_hours_action != OutsideHours.REFUSE:
        return False
    return not bot_opening(bot=bot).open


def tell_if_closed(*, handoff: Handoff) -> None:
    """Outside hours a queued handoff's user hears the out-of-office message, if the bot has one."""
    bot = handoff.bot
    if not bot.out_of_office_message:
        return
    opening = bot_opening(bot=bot)
    if opening.open:
        return
    conversation = handoff.conversation
    text = localized(messages=bot.out_of_office_message, bot=bot, end_user=conversation.end_user)
    when = ""
    if opening.next_opening is not None:
        local = opening.next_opening.astimezone(ZoneInfo(bot.business_hours_timezone))
        when = f"{local:%Y-%m-%d %H:%M} ({bot.business_hours_timezone})"
    message_send_system(
        conversation=conversation,
        text=render(text, nextOpening=when),
        payload={"type": "text", "outOfOffice": True},
    )
