from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey


class Workspace(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    require_two_factor = models.BooleanField(
        "require two-factor sign-in",
        default=False,
        help_text=(
            "Members must sign in with a code from an authenticator app too; those without one "
            "set it up at their next sign-in before they can do anything else."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Admin")
        AGENT = "agent", _("Agent")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.AGENT)
    online = models.BooleanField(default=False)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # When the agent's last workspace socket closed (SocketLease); None while one is open, and
    # for an agent who never opened one (a client on the REST API alone), whom only the session
    # timeout takes offline.
    sockets_closed_at = models.DateTimeField(null=True, blank=True)
    # Online but taking no new automatic assignments (README "Teams, priorities, capacity");
    # meaningful only while online, and cleared when the agent goes offline.
    busy = models.BooleanField(default=False)
    capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Open handoffs this agent holds at most; empty: the bot's agent capacity.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="one_membership_per_user")
        ]
        indexes = [models.Index(fields=["workspace", "online"], name="membership_online_idx")]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def status(self) -> str:
        """`online`, `busy` (online, no new automatic assignments) or `offline`."""
        if not self.online:
            return "offline"
        return "busy" if self.busy else "online"


class Team(models.Model):
    """A group of a workspace's agents that handoffs go to (Rocket.Chat's departments)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="teams")
    slug = models.SlugField(max_length=60, help_text="How bots and the API name the team.")
    name = models.CharField(max_length=120)
    members = models.ManyToManyField(Membership, blank=True, related_name="teams")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "slug"], name="unique_team_per_workspace")
        ]

    def __str__(self) -> str:
        return self.name or self.slug


class SocketLease(models.Model):
    """An agent's open workspace socket, held by one server process, which renews the leases
    of its sockets while it runs: those of a process that died expire on their own."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="socket_leases"
    )
    process = models.CharField(max_length=100)
    opened_at = models.DateTimeField(auto_now_add=True)
    renewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["process"], name="lease_process_idx"),
            models.Index(fields=["renewed_at"], name="lease_renewed_idx"),
            models.Index(fields=["user", "renewed_at"], name="lease_user_idx"),
        ]

    def __str__(self) -> str:
        return f"socket of {self.user_id} on {self.process}"


class AgentProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile"
    )
    display_name = models.CharField(max_length=120, blank=True)
    avatar = models.ImageField(upload_to="avatars/", blank=True)

    class ColorScheme(models.TextChoices):
        SYSTEM = "system", _("As the system (light or dark)")
        LIGHT = "light", _("Light")
        DARK = "dark", _("Dark")

    # The pages' theme for this agent: "system" follows the browser's prefers-color-scheme.
    color_scheme = models.CharField(
        max_length=10, choices=ColorScheme.choices, default=ColorScheme.SYSTEM
    )
    # The pages' language for this agent; blank follows the browser's Accept-Language.
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, blank=True, default="")

    def __str__(self) -> str:
        return self.display_name or self.user.get_username()


class Invitation(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Membership.Role.choices)
    token_hash = models.CharField(max_length=128, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.email} -> {self.workspace}"


class ApiToken(AbstractAPIKey):
    """A workspace's API token; only a hash of the secret is stored."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_tokens")
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API token"
        verbose_name_plural = "API tokens"
