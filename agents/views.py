"""Accepting an invitation: the one page of this app; the rules are in services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache

from . import services
from .errors import ApplicationError
from .forms import InvitationSignupForm


@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_get(token=token)
        services.invitation_check(invitation=invitation)
    except ApplicationError as error:
        return render(
            request,
            "agents/invitation_unusable.html",
            {"message": error.message},
            status=error.status_code,
        )
    joined = gettext("Welcome to %(workspace)s.") % {"workspace": invitation.workspace.name}
    if request.user.is_authenticated:
        # Already has an account here: joining needs no new password.
        if request.method == "POST":
            try:
                services.invitation_accept(token=token, user=request.user)
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, joined)
            return redirect("workspace")
        return render(request, "agents/invitation_join.html", {"invitation": invitation})
    form = InvitationSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                display_name=form.cleaned_data["display_name"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, joined)
            return redirect("workspace")
    return render(
        request, "agents/invitation_accept.html", {"invitation": invitation, "form": form}
    )
