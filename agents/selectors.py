from __future__ import annotations

from django.contrib.auth.models import User

from .models import Membership


def agent_display_name(user: User) -> str:
    """The name end users and colleagues see: profile name, then full name, then username."""
    profile = getattr(user, "agent_profile", None)
    if profile is not None and profile.display_name:
        return profile.display_name
    return user.get_full_name() or user.get_username()


def membership_get(*, workspace_id: int, user_id: int) -> Membership | None:
    return Membership.objects.filter(workspace_id=workspace_id, user_id=user_id).first()
