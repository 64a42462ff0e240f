"""The agent's own profile: the name and avatar colleagues and end users see."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from agents.language import session_remember_language
from agents.models import AgentProfile
from agents.selectors import agent_display_name
from agents.services import agent_profile_set_color_scheme, agent_profile_set_language
from agents.two_factor import two_factor_summary

from .. import services
from ..forms import ProfileForm
from ..representations import avatar_url
from .auth import AuthenticatedHttpRequest


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    current = getattr(user, "agent_profile", None)
    form = ProfileForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "display_name": current.display_name if current else "",
            "color_scheme": current.color_scheme if current else AgentProfile.ColorScheme.SYSTEM,
            "language": current.language if current else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        avatar = form.cleaned_data["avatar"] or None
        if avatar is None and form.cleaned_data["remove_avatar"]:
            # An empty file name clears the field; None means "unchanged".
            avatar = ""
        services.agent_profile_update(
            user=user, display_name=form.cleaned_data["display_name"], avatar=avatar
        )
        if form.cleaned_data["color_scheme"]:
            agent_profile_set_color_scheme(
                user=user, color_scheme=form.cleaned_data["color_scheme"]
            )
        language = form.cleaned_data["language"]
        agent_profile_set_language(user=user, language=language)
        session_remember_language(session=request.session, language=language)
        # The confirmation is stored as text now: in the language the next page shows.
        translation.activate(language or translation.get_language_from_request(request))
        messages.success(request, _("Your profile is saved."))
        return redirect("profile")
    context = {
        "form": form,
        "name": agent_display_name(user),
        "avatar_url": avatar_url(user),
        "two_factor": two_factor_summary(user=user),
    }
    return render(request, "handoffs/profile.html", context)
