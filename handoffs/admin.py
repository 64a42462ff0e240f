from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import admin
from django.db import models

from agents.admin_scoping import WorkspaceScopedAdmin, WorkspaceScopedInline

from .admin_routing import ROUTING_FIELDSETS, BusinessHoursInline, HolidayInline
from .models import (
    Bot,
    Conversation,
    Delivery,
    EndUser,
    Event,
    Handoff,
    Label,
    Message,
    MessageTemplate,
    Note,
    Notification,
    TeamRule,
    WebhookEndpoint,
)
from .services.delivery_engine import deliveries_retry

# Filters that list only what the (workspace-scoped) queryset holds, not every row of the site.
SCOPED_BOT_FILTER = ("bot", admin.RelatedOnlyFieldListFilter)
# A webhook address typed without a scheme is an https one (Django 6's default, chosen now).
HTTPS_URLS: Mapping[type[models.Field[Any, Any]], Mapping[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}


class LabelInline(WorkspaceScopedInline, admin.TabularInline):
    model = Label
    extra = 0


class TemplateInline(WorkspaceScopedInline, admin.TabularInline):
    model = MessageTemplate
    extra = 0


class TeamRuleInline(WorkspaceScopedInline, admin.TabularInline):
    model = TeamRule
    extra = 0
    verbose_name = "team rule (a handoff tagged so goes to the team)"


@admin.register(Bot)
class BotAdmin(WorkspaceScopedAdmin, admin.ModelAdmin):
    list_display = ["bot_id", "name", "workspace", "auto_assign", "agent_capacity"]
    list_filter = [("workspace", admin.RelatedOnlyFieldListFilter), "auto_assign"]
    search_fields = ["bot_id", "name"]
    readonly_fields = ["created_at"]
    inlines = [LabelInline, TemplateInline, TeamRuleInline, BusinessHoursInline, HolidayInline]
    formfield_overrides = HTTPS_URLS
    fieldsets = [
        (None, {"fields": ["workspace", "bot_id", "name", "default_language", "created_at"]}),
        (
            "Messages to the user (language -> text)",
            {"fields": ["transfer_message", "assign_message", "resolve_message", "expire_message"]},
        ),
        (
            "Agents and queue",
            {
                "fields": [
                    "auto_assign",
                    "agent_capacity",
                    "handoff_timeout",
                    "agent_session_timeout",
                    "handoff_alert",
                    "message_count",
                    "template_trigger",
                    "default_username",
                    "enable_conversation_deletion",
                    "email_alerts",
                ]
            },
        ),
        ("Retention", {"fields": ["conversation_retention_days"]}),
        (
            "Satisfaction (CSAT) after resolve",
            {"fields": ["csat_enabled", "csat_question", "csat_thanks_message"]},
        ),
        ("Bot connector", {"fields": ["bot_webhook_url", "bot_webhook_secret"]}),
        *ROUTING_FIELDSETS,
    ]


@admin.register(EndUser)
class EndUserAdmin(WorkspaceScopedAdmin, admin.ModelAdmin):
    workspace_path = "bot__workspace"
    list_display = ["external_id", "bot", "channel", "created_at"]
    list_filter = [SCOPED_BOT_FILTER, "channel"]
    search_fields = ["external_id", "variables"]
    readonly_fields = ["created_at"]


class MessageInline(WorkspaceScopedInline, admin.TabularInline):
    model = Message
    extra = 0
    fields = readonly_fields = (
        "direction",
        "author",
        "text",
        "delivery_status",
        "delivery_error",
        "created_at",
    )
    can_delete = False
    show_change_link = True


@admin.register(Conversation)
class ConversationAdmin(WorkspaceScopedAdmin, admin.ModelAdmin):
    workspace_path = "bot__workspace"
    list_display = ["id", "bot", "end_user", "channel", "paused", "last_message_at"]
    list_filter = [SCOPED_BOT_FILTER, "channel", "paused"]
    search_fields = ["end_user__external_id", "thread_id"]
    list_select_related = ["bot", "end_user"]
    raw_id_fields = ["end_user", "paused_by"]
    # last_user_message is kept by the message services, like last_message_at.
    readonly_fields = ["created_at", "last_message_at", "last_user_message", "paused_at"]
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(WorkspaceScopedAdmin, admin.ModelAdmin):
    workspace_path = "conversation__bot__workspace"
    list_display = ["id", "conversation", "direction", "text", "delivery_status", "created_at"]
    list_filter = ["direction", "delivery_status"]
    search_fields = ["text", "external_id"]
    raw_id_fields = ["conversation", "author"]
    # The delivery is the senders' to record, with its message.updated event.
    readonly_fields = ["created_at", "delivery_status", "delivery_error", "delivery_attempted_at"]


@admin.register(Handoff)
class HandoffAdmin(WorkspaceScopedAdmin, admin.ModelAdmin):
    workspace_path = "bot__workspace"
    list_display = ["id", "bot", "conversation", "status", "agent", "created_at", "assigned_at"]
    list_filter = ["status", SCOPED_BOT_FILTER, ("labels", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["conversation__end_user__external_id", "agent__username"]
    list_select_related = ["bot", "conversation", "agent"]
    raw_id_fields = ["conversation", "agent"]
    # Status changes go through the services (and their events), not a form.
    readonly_fields = ["status", "created_at", "assigned_at", "resolved_at", "updated_at"]
    # The user's rating, as they gave it (services/csat.py): not for an admin to edit.
    readonly_fields += ["csat_score", "csat_comment", "csat_asked_at", "csat_answered_at"]


@admin.register(Note)
class NoteAdmin(WorkspaceScopedAdmin, admin.ModelAdmin):
    workspace_path = "conversation__bot__workspace"
    list_display = ["id", "conversation", "author", "text", "created_at"]
    search_fields = ["text"]
    raw_id_fields = ["conversation", "handoff", "author"]
    readonly_fields = ["created_at"]


@admin.register(Label)
class LabelAdmin(WorkspaceScopedAdmin, admin.ModelAdmin):
    workspace_path = "bot__workspace"
    list_display = ["name", "bot", "color"]
    list_filter = [SCOPED_BOT_FILTER]
    search_fields = ["name"]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(WorkspaceScopedAdmin, admin.ModelAdmin):
    workspace_path = "bot__workspace"
    list_display = ["name", "bot", "text"]
    list_filter = [SCOPED_BOT_FILTER]
    search_fields = ["name", "text"]


@admin.register(Event)
class EventAdmin(WorkspaceScopedAdmin, admin.ModelAdmin):
    list_display = ["id", "type", "workspace", "bot", "created_at"]
    list_filter = ["type", ("workspace", admin.RelatedOnlyFieldListFilter)]
    readonly_fields = [f.name for f in Event._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(WorkspaceScopedAdmin, admin.ModelAdmin):
    """To look into what an agent was told, and when they read it. Read-only: notifications
    are made by the services, with their events, and each agent marks their own."""

    list_display = ["id", "recipient", "kind", "level", "message", "created_at", "read_at"]
    list_filter = ["kind", "level", ("read_at", admin.EmptyFieldListFilter), SCOPED_BOT_FILTER]
    list_select_related = ["recipient"]
    search_fields = ["message", "recipient__username"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeliveryInline(WorkspaceScopedInline, admin.TabularInline):
    model = Delivery
    extra = 0
    fields = readonly_fields = (
        "event",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "delivered_at",
    )
    can_delete = False
    ordering = ["-id"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(WorkspaceScopedAdmin, admin.ModelAdmin):
    list_display = [
        "url",
        "workspace",
        "format",
        "active",
        "consecutive_failures",
        "disabled_reason",
    ]
    list_filter = ["active", ("workspace", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["url"]
    readonly_fields = ["consecutive_failures", "disabled_reason", "created_at"]
    inlines = [DeliveryInline]
    formfield_overrides = HTTPS_URLS


class FailingFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("failing", "Failing (pending after a failed attempt)"), ("dead", "Dead")]

    def queryset(self, request, queryset):
        if self.value() == "failing":
            return queryset.filter(status=Delivery.Status.PENDING, attempts__gt=0)
        if self.value() == "dead":
            return queryset.filter(status=Delivery.Status.DEAD)
        return queryset


@admin.register(Delivery)
class DeliveryAdmin(WorkspaceScopedAdmin, admin.ModelAdmin):
    """Everything that leaves hitl: pending, failing and dead deliveries, and a retry."""

    workspace_admin_can_delete = False
    list_display = [
        "delivery_id",
        "kind",
        "destination",
        "event",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "created_at",
    ]
    list_filter = ["status", FailingFilter, "kind", ("endpoint", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["delivery_id", "destination__key"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    list_select_related = ["destination", "event"]
    actions = ["retry"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if request.user.is_superuser:
            return fields
        # A workspace admin may point an endpoint anywhere, an address inside our network
        # included: what it answered stays with the superusers.
        return [name for name in fields if name != "last_response"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Retry now (failing and dead deliveries)")
    def retry(self, request, queryset):
        count = deliveries_retry(deliveries=queryset)
        self.message_user(request, f"{count} deliveries will be sent again.")
