from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from .models import AgentProfile, ApiToken, Membership, Workspace


def api_token_create(*, workspace: Workspace, name: str) -> tuple[ApiToken, str]:
    """Create a token; the plain key is returned once and never stored."""
    return ApiToken.objects.create_key(workspace=workspace, name=name)


def api_token_authenticate(*, key: str) -> ApiToken | None:
    try:
        token = ApiToken.objects.get_from_key(key)
    except ApiToken.DoesNotExist:
        return None
    if token.has_expired:
        return None
    now = timezone.now()
    # Written at most once a minute so a busy token does not turn every read into a write.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


@transaction.atomic
def agent_create(
    *,
    workspace: Workspace,
    username: str,
    password: str | None,
    role: str = Membership.Role.AGENT,
    display_name: str = "",
    email: str = "",
) -> AbstractBaseUser:
    user = get_user_model().objects.create_user(username=username, email=email, password=password)
    AgentProfile.objects.create(user=user, display_name=display_name)
    Membership.objects.create(workspace=workspace, user=user, role=role)
    return user
