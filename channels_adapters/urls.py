from django.urls import path

from . import views

urlpatterns = [
    path("chat/<slug:bot_id>/", views.chat_page, name="webchat"),
    path("chat/<slug:bot_id>/messages/", views.chat_messages, name="webchat-messages"),
    path("channels/messenger/<slug:bot_id>/", views.messenger_webhook, name="messenger-webhook"),
    path("channels/telegram/<slug:bot_id>/", views.telegram_webhook, name="telegram-webhook"),
    path("channels/whatsapp/<slug:bot_id>/", views.whatsapp_webhook, name="whatsapp-webhook"),
    path(
        "channels/whatsapp/<slug:bot_id>/media/<str:media_id>/",
        views.whatsapp_media,
        name="whatsapp-media",
    ),
    path(
        "channels/whatsapp/<slug:bot_id>/templates/",
        views.whatsapp_templates,
        name="whatsapp-templates",
    ),
]
