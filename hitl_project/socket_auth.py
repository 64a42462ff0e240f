"""The signed-in user of a WebSocket, read when the consumer first needs it, on its thread.

Channels' AuthMiddleware reads the session and the user before the consumer runs, in a trip to
a database thread of its own: a second trip for an agent's socket, whose consumer goes to the
database anyway, and a wasted one for the web chat's, which never looks at the user. Like
Django's AuthenticationMiddleware for a request, this one puts a lazy object in the scope, read
where the consumer touches `scope["user"]` (inside its own `database_sync_to_async` call; on
the event loop Django refuses the query), by `agents.sessions.session_user`: the rules of
Channels' `get_user`, with the user's row read by a written-out query.
"""

from __future__ import annotations

from typing import Any

from channels.middleware import BaseMiddleware
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.utils.functional import SimpleLazyObject

from agents.sessions import session_user


class LazyAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        scope = dict(scope)
        if "user" not in scope:
            session = scope["session"]  # SessionMiddleware's, above
            scope["user"] = SimpleLazyObject(lambda: session_user(session))
        return await super().__call__(scope, receive, send)


def LazyAuthMiddlewareStack(inner: Any) -> Any:
    return CookieMiddleware(SessionMiddleware(LazyAuthMiddleware(inner)))
