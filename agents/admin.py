from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from . import services
from .admin_scoping import WorkspaceScopedAdmin, WorkspaceScopedInline
from .errors import ApplicationError
from .models import AgentProfile, ApiToken, Invitation, Membership, Team, Workspace

SCOPED_WORKSPACE_FILTER = ("workspace", admin.RelatedOnlyFieldListFilter)


class MembershipInline(WorkspaceScopedInline, admin.TabularInline):
    model = Membership
    # Workspace admins bring people in by invitation, not by picking any account of the site.
    workspace_admin_can_add = False
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["online", "busy", "last_seen_at", "created_at"]


@admin.register(Workspace)
class WorkspaceAdmin(WorkspaceScopedAdmin, admin.ModelAdmin):
    workspace_path = "pk"
    workspace_admin_can_add = False
    workspace_admin_can_delete = False
    list_display = ["name", "slug", "require_two_factor", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at"]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.require_two_factor and "require_two_factor" in form.changed_data:
            self.message_user(
                request,
                f"Two-factor sign-in is now required in {obj}: members without an authenticator "
                "app, you included, set one up before they can go on.",
                messages.WARNING,
            )

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Membership:
            changed = [obj for obj, _ in formset.changed_objects]
            for membership in [*formset.new_objects, *changed, *formset.deleted_objects]:
                services.user_sync_staff(user=membership.user)


@admin.register(Membership)
class MembershipAdmin(WorkspaceScopedAdmin, admin.ModelAdmin):
    workspace_admin_can_add = False
    list_display = ["user", "workspace", "role", "online", "busy", "capacity", "last_seen_at"]
    list_filter = [SCOPED_WORKSPACE_FILTER, "role", "online"]
    search_fields = ["user__username", "user__email", "workspace__name"]
    autocomplete_fields = ["user", "workspace"]
    readonly_fields = ["online", "busy", "sockets_closed_at", "last_seen_at", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # Moving a membership to another person or workspace would skip what removing one
        # does (their handoffs, their sockets): remove it and add another instead.
        return fields if obj is None else ["user", "workspace", *fields]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.user_sync_staff(user=obj.user)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.user_sync_staff(user=obj.user)

    def delete_queryset(self, request, queryset):
        users = {membership.user for membership in queryset.select_related("user")}
        super().delete_queryset(request, queryset)
        for user in users:
            services.user_sync_staff(user=user)


@admin.register(AgentProfile)
class AgentProfileAdmin(WorkspaceScopedAdmin, admin.ModelAdmin):
    workspace_path = "user__memberships__workspace"
    workspace_admin_can_add = False
    workspace_admin_can_delete = False
    list_display = ["user", "display_name"]
    search_fields = ["user__username", "display_name"]
    autocomplete_fields = ["user"]


@admin.register(Invitation)
class InvitationAdmin(WorkspaceScopedAdmin, admin.ModelAdmin):
    list_display = ["email", "workspace", "role", "state", "sent_at", "expires_at", "invited_by"]
    list_filter = [SCOPED_WORKSPACE_FILTER, "role"]
    list_select_related = ["workspace", "invited_by"]
    search_fields = ["email"]
    fields = [
        "workspace", "email", "role", "invited_by", "created_at", "sent_at", "expires_at",
        "accepted_at",
    ]  # fmt: skip
    readonly_fields = ["created_at", "sent_at", "expires_at", "accepted_at", "invited_by"]
    actions = ["send_invitation"]

    @admin.display(description="state")
    def state(self, invitation: Invitation) -> str:
        if invitation.accepted_at:
            return "accepted"
        if invitation.sent_at is None:
            return "not sent"
        return "expired" if invitation.expires_at <= timezone.now() else "sent"

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        created = services.invitation_create(
            workspace=obj.workspace, email=obj.email, role=obj.role, invited_by=request.user
        )
        # The admin goes on with its own instance (change log, redirect): give it the row.
        for field in Invitation._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request,
            f"Invitation for {obj.email} saved. Select it and run “Send invitation” to email "
            "the link.",
        )
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description="Send invitation (emails a new one-time link)")
    def send_invitation(self, request, queryset):
        base_url = request.build_absolute_uri("/")
        sent = 0
        for invitation in queryset.select_related("workspace", "invited_by"):
            try:
                services.invitation_send(invitation=invitation, base_url=base_url)
            except ApplicationError as error:
                self.message_user(request, f"{invitation.email}: {error.message}", messages.ERROR)
            else:
                sent += 1
        if sent:
            self.message_user(request, f"Sent {sent} invitation(s).", messages.SUCCESS)


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["workspace", "slug", "name", "members"]

    def clean(self):
        data = super().clean() or {}
        workspace, members = data.get("workspace"), data.get("members")
        if workspace is not None and members is not None:
            strangers = [m for m in members if m.workspace_id != workspace.pk]
            if strangers:
                self.add_error(
                    "members",
                    f"Not members of {workspace}: {', '.join(str(m.user) for m in strangers)}.",
                )
        return data


@admin.register(Team)
class TeamAdmin(WorkspaceScopedAdmin, admin.ModelAdmin):
    form = TeamForm
    list_display = ["name", "slug", "workspace", "member_count"]
    list_filter = [SCOPED_WORKSPACE_FILTER]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("workspace")

    @admin.display(description="members")
    def member_count(self, team: Team) -> int:
        return team.members.count()


# The library's own key model is unused: tokens here belong to a workspace.
admin.site.unregister(APIKey)


@admin.register(ApiToken)
class ApiTokenAdmin(WorkspaceScopedAdmin, APIKeyModelAdmin):
    # The library's unannotated tuples are inferred as fixed-length: any longer one is "wrong".
    list_display = [*APIKeyModelAdmin.list_display, "workspace", "last_used_at"]  # type: ignore[assignment]
    list_filter = [*APIKeyModelAdmin.list_filter, SCOPED_WORKSPACE_FILTER, "revoked"]  # type: ignore[assignment]

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "last_used_at")
