"""The language an agent chose on the profile page, kept in the session so a page needs no query."""

from __future__ import annotations

from django.contrib.sessions.backends.base import SessionBase

from .models import AgentProfile

# The agent's choice: a code from settings.LANGUAGES, or "" for "follow the browser".
SESSION_KEY = "hitl_language"


def session_language(*, session: SessionBase) -> str | None:
    """The choice this session remembers, or None when it has not been looked up yet."""
    return session.get(SESSION_KEY)


def session_remember_language(*, session: SessionBase, language: str) -> None:
    if session.get(SESSION_KEY) != language:
        session[SESSION_KEY] = language


def profile_language(*, user_id: int) -> str:
    """The profile's choice ("" without a profile): looked up once per session."""
    language = AgentProfile.objects.filter(user_id=user_id).values_list("language", flat=True)
    return language.first() or ""
