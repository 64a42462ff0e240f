"""The request a page behind `@login_required` receives."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest


class AuthenticatedHttpRequest(HttpRequest):
    """For the type checker: `@login_required` lets only a signed-in person through."""

    user: User
