from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from .config_cache import cache_key, remember, remembered
from .errors import ApplicationError, Conflict, NotFound
from .mail import mail_send
from .models import AgentProfile, ApiToken, Invitation, Membership, Workspace
from .selectors import agent_display_name


def api_token_create(*, workspace: Workspace, name: str) -> tuple[ApiToken, str]:
    """Create a token; the plain key is returned once and never stored."""
    # The library's manager is not generic: it types the row as its abstract base model.
    return cast("tuple[ApiToken, str]", ApiToken.objects.create_key(workspace=workspace, name=name))


def api_token_cache_key(prefix: str) -> str:
    return cache_key("api-token", prefix)


def api_token_authenticate(*, key: str) -> ApiToken | None:
    prefix, _, _ = key.partition(".")
    kept_as = api_token_cache_key(prefix)
    token = remembered(
        kept_as, lambda: ApiToken.objects.get_usable_keys().filter(prefix=prefix).first()
    )
    # The secret is checked against the stored hash on every call, cached row or not.
    if token is None or not token.is_valid(key) or token.has_expired:
        return None
    now = timezone.now()
    # Written at most once a minute so a busy token does not turn every read into a write.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        remember(kept_as, token)
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
) -> User:
    user = get_user_model().objects.create_user(username=username, email=email, password=password)
    AgentProfile.objects.create(user=user, display_name=display_name)
    Membership.objects.create(workspace=workspace, user=user, role=role)
    user_sync_staff(user=user)
    return user


@transaction.atomic
def workspace_admin_create(
    *, username: str, email: str, password: str, workspace_name: str
) -> tuple[Membership, bool]:
    """A deployment's first account: a superuser administering the workspace (made if new)."""
    slug = slugify(workspace_name)[: Workspace._meta.get_field("slug").max_length].strip("-")
    if not slug:
        raise ApplicationError("A workspace name needs a letter or a digit.", code="invalid")
    existing = get_user_model().objects.filter(username__iexact=username).first()
    if existing is not None:
        membership = Membership.objects.filter(
            workspace__slug=slug, user=existing, role=Membership.Role.ADMIN
        ).first()
        if existing.is_superuser and membership is not None:
            # Already that admin: left as it is, so a provisioning script may run twice.
            return membership, False
        raise Conflict(
            f"A user {existing.username!r} already exists and is not a superuser administering"
            f" the workspace {slug!r}: nothing changed.",
            code="username_taken",
        )
    workspace, _ = Workspace.objects.get_or_create(
        slug=slug, defaults={"name": workspace_name.strip()}
    )
    user = agent_create(
        workspace=workspace,
        username=username,
        password=password,
        role=Membership.Role.ADMIN,
        email=email,
    )
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    membership = Membership.objects.select_related("user", "workspace").get(
        workspace=workspace, user=user
    )
    return membership, True


def agent_profile_set_color_scheme(*, user: User, color_scheme: str) -> AgentProfile:
    """The agent's own theme; no one else sees it, so no event."""
    if color_scheme not in AgentProfile.ColorScheme.values:
        raise ApplicationError(
            f"The theme is one of {', '.join(AgentProfile.ColorScheme.values)}.",
            code="invalid_color_scheme",
        )
    profile, _ = AgentProfile.objects.update_or_create(
        user=user, defaults={"color_scheme": color_scheme}
    )
    return profile


def agent_profile_set_language(*, user: User, language: str) -> AgentProfile:
    """The agent's own language ("" follows the browser); no one else sees it, so no event."""
    if language and language not in dict(settings.LANGUAGES):
        raise ApplicationError(
            f"The language is one of {', '.join(dict(settings.LANGUAGES))} or empty.",
            code="invalid_language",
        )
    profile, _ = AgentProfile.objects.update_or_create(user=user, defaults={"language": language})
    return profile


def user_sync_staff(*, user: User) -> None:
    """Workspace admins get the (workspace-filtered) Django admin; demoted admins lose it."""
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    if user.is_superuser or not roles:
        # Staff without any membership were made so by hand; that is not ours to undo.
        return
    is_admin = Membership.Role.ADMIN in roles
    if user.is_staff != is_admin:
        user.is_staff = is_admin
        user.save(update_fields=["is_staff"])


def _token_hash(token: str) -> str:
    # The token has 256 random bits: a plain digest cannot be brute-forced, no salt needed.
    return hashlib.sha256(token.encode()).hexdigest()


def _invitation_expiry() -> datetime:
    return timezone.now() + settings.HITL["INVITATION_TTL"]


def invitation_create(
    *,
    workspace: Workspace,
    email: str,
    role: str = Membership.Role.AGENT,
    invited_by: User | None = None,
) -> Invitation:
    """Record an invitation; its link exists only once `invitation_send` mails it."""
    if role not in Membership.Role.values:
        raise ApplicationError(f"Unknown role {role!r}.", code="invalid_role")
    return Invitation.objects.create(
        workspace=workspace,
        email=get_user_model().objects.normalize_email(email).strip(),
        role=role,
        invited_by=invited_by,
        # A hash of a token nobody holds: the invitation cannot be used before it is sent.
        token_hash=_token_hash(secrets.token_urlsafe(32)),
        expires_at=_invitation_expiry(),
    )


@transaction.atomic
def invitation_send(*, invitation: Invitation, base_url: str) -> str:
    """Mail a fresh one-time link (an earlier link stops working); returns the link."""
    # Locked and re-read: a send racing an acceptance must see it.
    Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
    invitation.refresh_from_db()
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was already accepted.", code="invitation_used")
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _token_hash(token)
    invitation.expires_at = _invitation_expiry()
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["token_hash", "expires_at", "sent_at"])
    link = base_url.rstrip("/") + reverse("invitation-accept", kwargs={"token": token})
    context = {
        "invitation": invitation,
        "link": link,
        "inviter": agent_display_name(invitation.invited_by) if invitation.invited_by else "",
    }
    subject = render_to_string("agents/email/invitation_subject.txt", context).strip()
    body = render_to_string("agents/email/invitation_body.txt", context)
    # A delivery written in this transaction: the mail leaves with the new link, or neither.
    mail_send(
        subject=subject, body=body, to=[invitation.email], workspace_id=invitation.workspace_id
    )
    return link


def invitation_get(*, token: str) -> Invitation:
    """The invitation a link points to, whatever its state; unknown links raise NotFound."""
    invitation = (
        Invitation.objects.select_related("workspace").filter(token_hash=_token_hash(token)).first()
    )
    if invitation is None or invitation.sent_at is None:
        raise NotFound("This invitation link is not valid.", code="invitation_not_found")
    return invitation


def invitation_check(*, invitation: Invitation) -> None:
    """Raise unless the invitation can still be accepted."""
    if invitation.accepted_at is not None:
        raise Conflict(gettext("This invitation link was already used."), code="invitation_used")
    if invitation.expires_at <= timezone.now():
        raise ApplicationError(
            gettext("This invitation link has expired. Ask your workspace admin for a new one."),
            code="invitation_expired",
            status_code=410,
        )


@transaction.atomic
def invitation_accept(
    *,
    token: str,
    user: User | None = None,
    username: str = "",
    password: str = "",
    display_name: str = "",
) -> User:
    """Join the workspace with the invited role: as `user`, or as a new account."""
    invitation = invitation_get(token=token)
    # Locked, so two clicks on the same link cannot both create an account.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    invitation_check(invitation=invitation)
    if user is not None:
        if Membership.objects.filter(workspace=invitation.workspace, user=user).exists():
            raise Conflict(
                f"You are already a member of {invitation.workspace}.", code="already_member"
            )
        Membership.objects.create(workspace=invitation.workspace, user=user, role=invitation.role)
        AgentProfile.objects.get_or_create(user=user)
        user_sync_staff(user=user)
    else:
        if not username or not password:
            raise ApplicationError(gettext("A username and a password are needed."), code="invalid")
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise Conflict(gettext("This username is taken."), code="username_taken")
        user = agent_create(
            workspace=invitation.workspace,
            username=username,
            password=password,
            role=invitation.role,
            display_name=display_name.strip()[:120],
            email=invitation.email,
        )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user
