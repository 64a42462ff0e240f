from django.apps import AppConfig


class HandoffsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "handoffs"
    verbose_name = "Handoffs"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from agents import mail

        from . import alerts, metrics, outbound, signals
        from .models import Attachment, Delivery
        from .services import attachments, deliveries, webhooks

        outbound.register_sender(Delivery.Kind.WEBHOOK, webhooks.webhook_send)
        outbound.register_sender(Delivery.Kind.EMAIL, alerts.email_send)
        outbound.register_deriver(deliveries.message_delivery_derive)
        outbound.register_deriver(alerts.derive)
        # Invitations leave by the same way out; agents never imports handoffs.
        mail.register_outbox(alerts.email_record)
        signals.connect()
        # A file sent to a user goes with its message (erasure, retention).
        post_delete.connect(attachments.forget_file, sender=Attachment, dispatch_uid="forget-file")
        metrics.register_database_collector()
