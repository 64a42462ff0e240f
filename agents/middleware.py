"""The second step of sign-in: until a session passes it, it reaches nothing but that step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.middleware import locale
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from . import two_factor
from .language import profile_language, session_language, session_remember_language

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


def _api(request: HttpRequest) -> bool:
    """The REST API answers in English whatever the client's Accept-Language: its error bodies
    are a machine contract (README "Languages")."""
    return request.path_info.startswith("/api/")


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's, for everything but the REST API, which gets English without reading
    Accept-Language or answering `Vary` on it (on every message a bot sends: bench/README.md)."""

    def process_request(self, request: HttpRequest) -> None:
        if not _api(request):
            super().process_request(request)

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not _api(request):
            return super().process_response(request, response)
        response.headers.setdefault("Content-Language", settings.LANGUAGE_CODE)
        return response


class AgentLanguageMiddleware:
    """After LocaleMiddleware (which reads Accept-Language) and AuthenticationMiddleware: a
    signed-in agent's profile language wins over the browser's. The choice is kept in the
    session (set when the profile is saved, else looked up once), so a page costs no query.

    The REST API stays in English.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _api(request):
            language: str | None = settings.LANGUAGE_CODE
        else:
            language = self._agent_language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)

    def _agent_language(self, request: HttpRequest) -> str | None:
        session = getattr(request, "session", None)
        if session is None or AUTH_SESSION_KEY not in session:
            return None
        language = session_language(session=session)
        if language is None:
            if not request.user.is_authenticated:
                return None
            language = profile_language(user_id=request.user.pk)
            session_remember_language(session=session, language=language)
        return language or None
