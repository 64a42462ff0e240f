"""The signed-in user of a WebSocket, read when the consumer first needs it, on its thread.

Channels' AuthMiddleware reads the session and the user before the consumer runs, in a trip to
a database thread of its own: a second trip for an agent's socket, whose consumer goes to the
database anyway, and a wasted one for the web chat's, which never looks at the user. Like
Django's AuthenticationMiddleware for a request, this one puts a lazy object in the scope; the
check itself is Channels' `get_user`, run where the consumer touches `scope["user"]` (inside its
own `database_sync_to_async` call; on the event loop Django refuses the query).
"""

from __future__ import annotations

from typing import Any

from channels.auth import get_user
from channels.middleware import BaseMiddleware
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.utils.functional import SimpleLazyObject


class LazyAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        scope = dict(scope)
        if "user" not in scope:
            # `get_user` is Channels' coroutine; `.func` is the check it runs on a thread.
            scope["user"] = SimpleLazyObject(lambda: get_user.func(scope))
        return await super().__call__(scope, receive, send)


def LazyAuthMiddlewareStack(inner: Any) -> Any:
    return CookieMiddleware(SessionMiddleware(LazyAuthMiddleware(inner)))
