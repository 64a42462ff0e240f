from django.apps import AppConfig


class AgentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "agents"
    verbose_name = "Workspaces and agents"

    def ready(self) -> None:
        from . import limits, signals  # noqa: F401  (limits registers its check)

        signals.connect()
