from django.contrib import admin
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from .models import AgentProfile, ApiToken, Invitation, Membership, Workspace


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["online", "last_seen_at", "created_at"]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "role", "online", "last_seen_at"]
    list_filter = ["workspace", "role", "online"]
    search_fields = ["user__username", "user__email", "workspace__name"]
    autocomplete_fields = ["user", "workspace"]
    readonly_fields = ["online", "last_seen_at", "created_at"]


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "display_name"]
    search_fields = ["user__username", "display_name"]
    autocomplete_fields = ["user"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "workspace", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["workspace", "role"]
    search_fields = ["email"]
    readonly_fields = ["created_at", "sent_at", "accepted_at", "invited_by"]
    exclude = ["token_hash"]


# The library's own key model is unused: tokens here belong to a workspace.
admin.site.unregister(APIKey)


@admin.register(ApiToken)
class ApiTokenAdmin(APIKeyModelAdmin):
    list_display = [*APIKeyModelAdmin.list_display, "workspace", "last_used_at"]
    list_filter = [*APIKeyModelAdmin.list_filter, "workspace", "revoked"]

    def get_readonly_fields(self, request, obj=None):  # noqa: ANN001, ANN201
        return (*super().get_readonly_fields(request, obj), "last_used_at")
