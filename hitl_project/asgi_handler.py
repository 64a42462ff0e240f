"""Django's ASGI handler, with all of a request's sync work done in one thread hop.

Every view here is sync (DRF, forms, templates), yet Django's ASGI handler builds the
middleware chain in async mode: each sync piece (WhiteNoise, CSRF's view hook, the view itself,
and the error logging of a 4xx) is handed to the request's thread and back to the event loop
in turn. Built in sync mode, as under WSGI, the whole chain runs in that thread in one go.
The request signals, which Django sends in hops of their own before and after, are sent in the
same hop: `request_started`, the chain, then `request_finished` (it returns the database
connection to the pool) as soon as the body is rendered, before the bytes are sent.
Streamed responses keep Django's order: they are closed after the last chunk.
WebSockets are not concerned: they go to the Channels consumers.

`handle` replaces Django 5.2's `ASGIHandler.handle` (read from 5.2.19): compare them on every
Django upgrade. It does not listen for a disconnect while the view runs: Django's could stop
only the waiting, not a sync view, and servers ignore a reply to a closed connection.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix


class SyncChainASGIHandler(ASGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            set_script_prefix(get_script_prefix(scope))
            response = await sync_to_async(self._respond, thread_sensitive=True)(scope, body_file)
            try:
                await self.send_response(response, send)
            finally:
                if response.streaming:
                    await sync_to_async(response.close, thread_sensitive=True)()
        finally:
            body_file.close()

    def _respond(self, scope: dict[str, Any], body_file: Any) -> HttpResponseBase:
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            # HttpResponseBase.__init__ sets it (request_finished's sender); the stubs omit it.
            response._handler_class = self.__class__  # type: ignore[attr-defined]
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        # Without a request, create_request returned the error response to send instead.
        assert response is not None
        if not response.streaming:
            response.close()
        return response
