from channels_adapters.routing import websocket_urlpatterns as chat_patterns
from handoffs.realtime.routing import websocket_urlpatterns as handoff_patterns

websocket_urlpatterns = [*handoff_patterns, *chat_patterns]
