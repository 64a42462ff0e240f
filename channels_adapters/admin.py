from django import forms
from django.contrib import admin

from agents.admin_scoping import WorkspaceScopedAdmin

from .models import ConnectorSettings, MessengerSettings, WhatsAppSettings


@admin.register(ConnectorSettings)
class ConnectorSettingsAdmin(WorkspaceScopedAdmin, admin.ModelAdmin):
    workspace_path = "bot__workspace"
    list_display = ["bot", "demo_bot_enabled", "exit_events"]
    list_filter = ["demo_bot_enabled"]
    list_select_related = ["bot"]


class MessengerSettingsForm(forms.ModelForm):
    class Meta:
        model = MessengerSettings
        fields = ["bot", "page_id", "verify_token", "app_secret", "page_access_token"]
        # Masked on screen; render_value keeps them when the form is saved unchanged.
        widgets = {
            "app_secret": forms.PasswordInput(render_value=True),
            "page_access_token": forms.PasswordInput(render_value=True),
        }


@admin.register(MessengerSettings)
class MessengerSettingsAdmin(WorkspaceScopedAdmin, admin.ModelAdmin):
    workspace_path = "bot__workspace"
    form = MessengerSettingsForm
    list_display = ["page_id", "bot"]
    list_select_related = ["bot"]
    search_fields = ["page_id", "bot__bot_id"]


class WhatsAppSettingsForm(forms.ModelForm):
    class Meta:
        model = WhatsAppSettings
        fields = [
            "bot",
            "phone_number_id",
            "waba_id",
            "verify_token",
            "app_secret",
            "access_token",
            "template_names",
        ]
        widgets = {
            "app_secret": forms.PasswordInput(render_value=True),
            "access_token": forms.PasswordInput(render_value=True),
        }


@admin.register(WhatsAppSettings)
class WhatsAppSettingsAdmin(WorkspaceScopedAdmin, admin.ModelAdmin):
    workspace_path = "bot__workspace"
    form = WhatsAppSettingsForm
    list_display = ["phone_number_id", "waba_id", "bot"]
    list_select_related = ["bot"]
    search_fields = ["phone_number_id", "waba_id", "bot__bot_id"]
