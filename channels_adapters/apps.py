from django.apps import AppConfig


class ChannelsAdaptersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "channels_adapters"
    verbose_name = "Channel adapters"

    def ready(self) -> None:
        # handoffs never imports this app: it owns the registries, and we register into them.
        from django.db.models.signals import post_delete

        from handoffs import outbound
        from handoffs.models import Delivery

        from . import base, bot_connector, models, whatsapp

        base.register_all()
        outbound.register_sender(Delivery.Kind.BOT, bot_connector.send)
        outbound.register_deriver(bot_connector.derive_exit)
        outbound.register_listener(bot_connector.on_event)
        outbound.register_sender(Delivery.Kind.WHATSAPP_MEDIA, whatsapp.fetch_media)
        outbound.register_send_check(whatsapp.CHANNEL, whatsapp.check_agent_message)
        # Files are not rows: the one thing a deletion's cascade cannot remove by itself.
        post_delete.connect(whatsapp.forget_file, sender=models.WhatsAppMedia)
