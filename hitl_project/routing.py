from handoffs.routing import websocket_urlpatterns as handoff_patterns

websocket_urlpatterns = [*handoff_patterns]
