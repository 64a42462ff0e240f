from django import forms
from django.contrib import admin, messages
from django.urls import reverse

from agents.admin_scoping import WorkspaceScopedAdmin
from agents.errors import ApplicationError

from . import telegram
from .models import ConnectorSettings, MessengerSettings, TelegramSettings, WhatsAppSettings


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


class TelegramSettingsForm(forms.ModelForm):
    class Meta:
        model = TelegramSettings
        fields = ["bot", "bot_token", "webhook_secret"]
        widgets = {
            "bot_token": forms.PasswordInput(render_value=True),
            "webhook_secret": forms.PasswordInput(render_value=True),
        }


@admin.register(TelegramSettings)
class TelegramSettingsAdmin(WorkspaceScopedAdmin, admin.ModelAdmin):
    workspace_path = "bot__workspace"
    form = TelegramSettingsForm
    list_display = ["bot"]
    list_select_related = ["bot"]
    search_fields = ["bot__bot_id"]
    actions = ["set_webhook"]

    @admin.action(description="Set Telegram webhook (points the bot at this server)")
    def set_webhook(self, request, queryset):
        for found in queryset.select_related("bot"):
            path = reverse("telegram-webhook", kwargs={"bot_id": found.bot.bot_id})
            url = request.build_absolute_uri(path)
            try:
                answer = telegram.webhook_set(telegram=found, url=url)
            except ApplicationError as error:
                self.message_user(request, f"{found.bot}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{found.bot}: {answer} ({url}).", messages.SUCCESS)


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
