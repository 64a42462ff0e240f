from django.apps import AppConfig


class HandoffsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "handoffs"
    verbose_name = "Handoffs"

    def ready(self) -> None:
        from . import alerts, metrics, outbound, signals

        outbound.register_listener(alerts.on_event)
        signals.connect()
        metrics.register_database_collector()
