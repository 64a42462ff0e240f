"""Django's ASGI handler, with the middleware chain and the view run in one thread hop.

Every view here is sync (DRF, forms, templates), yet Django's ASGI handler builds the
middleware chain in async mode: each sync piece (WhiteNoise, CSRF's view hook, the view itself,
and the error logging of a 4xx) is handed to the request's thread and back to the event loop
in turn. Built in sync mode, as under WSGI, the whole request runs in that thread in one go.
WebSockets are not concerned: they go to the Channels consumers.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase


class SyncChainASGIHandler(ASGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
