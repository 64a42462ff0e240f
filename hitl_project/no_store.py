"""`Cache-Control: no-store` on what Django answers: agent pages, the API, the admin, the web
chat's history. Each carries someone's conversations or the session's CSRF token, and must not
be kept on a shared computer's disk or by a proxy, nor come back with the Back button after
logout.

Static files never reach it (WhiteNoise, above it in MIDDLEWARE, answers them), nor do uploaded
avatars (MEDIA_URL); a view that sets its own Cache-Control keeps it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.media_prefix = "/" + settings.MEDIA_URL.lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if "Cache-Control" not in response and not request.path.startswith(self.media_prefix):
            response["Cache-Control"] = "no-store"
        return response
