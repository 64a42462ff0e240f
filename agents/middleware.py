"""The second step of sign-in: until a session passes it, it reaches nothing but that step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from . import two_factor

# Views a session that owes its second step may still reach: the step itself, and the ways out.
OPEN_VIEWS = frozenset(
    {
        "login",
        "logout",
        "two-factor-verify",
        "two-factor-setup",
        "admin:logout",
        "rest_framework:login",
        "rest_framework:logout",
        # The JavaScript strings every page loads (templates/base.html), the step's pages too.
        "javascript-catalog",
    }
)


class TwoFactorMiddleware:
    """After OTPMiddleware: a signed-in person with an authenticator app whose session has not
    passed the second step, or a member of a workspace that requires one who has none yet, is
    sent to that step from every page (the admin included); the API answers 403.

    Everything is closed unless listed in OPEN_VIEWS, so a new page needs no decorator to be
    safe. A person with neither an app nor a requiring workspace is not affected.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        # OTPMiddleware gives every user, anonymous ones too, `is_verified`.
        if not user.is_authenticated or user.is_verified():  # type: ignore[attr-defined]
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_VIEWS:
            return None
        step = two_factor.pending_step(user=user, verified=False)
        if step is None:
            return None
        if request.path_info.startswith("/api/"):
            return _api_refusal(step)
        target = "two-factor-verify" if step == two_factor.VERIFY else "two-factor-setup"
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse(target)}?{query}")


def _api_refusal(step: str) -> JsonResponse:
    """The API's error body (README "Status codes"), for a session that is not signed in yet."""
    if step == two_factor.VERIFY:
        code, message = "two_factor_unverified", "Finish signing in: enter a two-factor code."
    else:
        code, message = "two_factor_setup_required", "Set up two-factor sign-in first."
    body = {"statusCode": 403, "code": code, "message": message}
    return JsonResponse(body, status=403)
