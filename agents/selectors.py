from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from .models import Membership


def agent_display_name(user: User) -> str:
    """The name end users and colleagues see: profile name, then full name, then username."""
    profile = getattr(user, "agent_profile", None)
    if profile is not None and profile.display_name:
        return profile.display_name
    return user.get_full_name() or user.get_username()


def membership_get(*, workspace_id: int, user_id: int) -> Membership | None:
    return Membership.objects.filter(workspace_id=workspace_id, user_id=user_id).first()


def sessions_ended(*, sessions: Iterable[tuple[str, int]]) -> set[str]:
    """Of these `(session key, user id)` pairs, the keys that no longer log that user in:
    logged out, expired, deleted, the account deactivated, or its password changed since (the
    session's hash of it no longer matches, as Django's own get_user checks)."""
    pairs = list(sessions)
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    data = _session_data(store_class, [key for key, _ in pairs])
    users = User.objects.in_bulk({user_id for _, user_id in pairs})
    ended = set()
    for key, user_id in pairs:
        session, user = data.get(key) or {}, users.get(user_id)
        valid = (
            user is not None
            and user.is_active
            and session.get(SESSION_KEY) == str(user_id)
            and BACKEND_SESSION_KEY in session
            and constant_time_compare(
                session.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()
            )
        )
        if not valid:
            ended.add(key)
    return ended


def _session_data(store_class: Any, keys: list[str]) -> dict[str, dict[str, Any]]:
    if hasattr(store_class, "get_model_class"):
        # Database sessions: one query for every socket of the process.
        store = store_class()
        rows = store_class.get_model_class().objects.filter(
            session_key__in=keys, expire_date__gt=timezone.now()
        )
        return {row.session_key: store.decode(row.session_data) for row in rows}
    return {key: store_class(session_key=key).load() for key in keys}
