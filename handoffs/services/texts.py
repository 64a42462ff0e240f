from __future__ import annotations

from ..models import Bot, EndUser


def localized(*, messages: dict[str, str], bot: Bot, end_user: EndUser) -> str:
    """The user's language, then the bot's default, then English; empty when none is set."""
    for language in (end_user.language, bot.default_language, "en"):
        if not language:
            continue
        # "fr-CA" falls back to "fr".
        for candidate in (language, language.split("-")[0]):
            if messages.get(candidate):
                return messages[candidate]
    return ""


def render(text: str, **values: str) -> str:
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    return text
