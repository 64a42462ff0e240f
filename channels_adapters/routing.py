from django.urls import path

from .consumers import WebChatConsumer

websocket_urlpatterns = [
    path("ws/chat/<slug:bot_id>/", WebChatConsumer.as_asgi()),
]
