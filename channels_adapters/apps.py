from django.apps import AppConfig


class ChannelsAdaptersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "channels_adapters"
    verbose_name = "Channel adapters"
