"""What every page's layout needs to know about the agent viewing it."""

from __future__ import annotations

from django.http import HttpRequest

from .models import AgentProfile


def color_scheme(request: HttpRequest) -> dict[str, str]:
    """The theme for <html data-theme>: the agent's choice, else the system's."""
    user = getattr(request, "user", None)
    profile = getattr(user, "agent_profile", None) if user and user.is_authenticated else None
    return {"color_scheme": profile.color_scheme if profile else AgentProfile.ColorScheme.SYSTEM}
