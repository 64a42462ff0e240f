"""The sign-in and password forms under a flood: each address may try so often (agents/limits),
and password hashing, which costs a request thread ~100 ms of CPU, runs at most
PASSWORD_HASH_CONCURRENCY at once per process, so a flood of guesses cannot take every request
thread from the agents' work. A form beyond either is answered 429 with Retry-After, at once.
django-axes, after this, locks a username or an address out after repeated failures."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from . import limits

# URL names of the forms that hash a password when posted, and the limit each counts against.
GUARDED = {
    "login": "login_ip",
    "admin:login": "login_ip",
    "rest_framework:login": "login_ip",
    "password_change": None,
    "password_reset_confirm": None,
    "invitation-accept": None,
    "password_reset": "password_reset_ip",
}

_hashing: threading.BoundedSemaphore | None = None
_hashing_lock = threading.Lock()


def _hashing_slots() -> threading.BoundedSemaphore:
    global _hashing
    with _hashing_lock:
        if _hashing is None:
            _hashing = threading.BoundedSemaphore(max(settings.PASSWORD_HASH_CONCURRENCY, 1))
        return _hashing


def too_many(seconds: int, what: str) -> HttpResponse:
    response = HttpResponse(
        f"Too many {what}; try again in {seconds} seconds.",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(seconds)
    return response


class SignInGuard:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            if request.__dict__.pop("_hitl_hashing", False):
                _hashing_slots().release()

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if request.method != "POST" or match is None or match.view_name not in GUARDED:
            return None
        limit = GUARDED[match.view_name]
        if limit is not None and settings.RATELIMIT_ENABLE:
            seconds = limits.wait_for(limit, limits.client_ip(request))
            if seconds is None and limit == "password_reset_ip":
                email = request.POST.get("email", "").strip().lower()
                seconds = limits.wait_for("password_reset_email", email)
            if seconds is not None:
                return too_many(seconds, "attempts")
        if not _hashing_slots().acquire(blocking=False):
            return too_many(1, "sign-ins at once")
        request.__dict__["_hitl_hashing"] = True
        return None
