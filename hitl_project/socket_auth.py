"""A WebSocket's session and signed-in user, read when the consumer first needs them, on its
thread.

Channels' stack (CookieMiddleware, SessionMiddleware, AuthMiddleware) reads the session and the
user before the consumer runs, in a trip to a database thread of its own: a second trip for an
agent's socket, whose consumer goes to the database anyway, and a wasted one for the web chat's,
which never looks at the user. It also wraps every frame the socket sends, to save a modified
session on an HTTP response, which a socket never sends. This middleware does what those three
do for a socket: the session named by the request's session cookie, Django's session engine's,
loaded on first use; the user, like Django's AuthenticationMiddleware for a request, a lazy
object read where the consumer touches `scope["user"]` (inside its own
`database_sync_to_async` call; on the event loop Django refuses the query), by
`agents.sessions.session_user`: the rules of Channels' `get_user`, the user's row written out.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.http.cookie import parse_cookie
from django.utils.functional import SimpleLazyObject

from agents.sessions import session_user


class SocketSessionMiddleware:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        cookies: dict[str, str] = {}
        for name, value in scope.get("headers") or []:
            if name == b"cookie":
                cookies = parse_cookie(value.decode("latin1"))
                break
        session = self.session_store(cookies.get(settings.SESSION_COOKIE_NAME))
        scope = {
            **scope,
            "cookies": cookies,
            "session": session,
            "user": SimpleLazyObject(lambda: session_user(session)),
        }
        return await self.inner(scope, receive, send)
