"""Two-factor sign-in pages: the second step, setting up an app, recovery codes, turning it off.

The rules are in `two_factor`; these pages only ask and show.
"""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

import qrcode
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathFillImage

from . import two_factor
from .errors import ApplicationError, Conflict
from .forms import TwoFactorCodeForm, TwoFactorConfirmForm, TwoFactorSetupForm


class SignedInRequest(HttpRequest):
    """For the type checker: `@login_required` lets only a signed-in person through."""

    user: User


def _next_url(request: HttpRequest, default: str) -> str:
    """Where to go once the step is done: a local `next`, never one of these pages (a loop)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    steps = (reverse("two-factor-verify"), reverse("two-factor-setup"))
    if (
        candidate
        and not candidate.startswith(steps)
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return default


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _is_verified(request: SignedInRequest) -> bool:
    # OTPMiddleware adds `is_verified` to every request's user.
    return bool(request.user.is_verified())  # type: ignore[attr-defined]


@never_cache
@login_required
def verify(request: SignedInRequest) -> HttpResponse:
    """The second step of sign-in: a code from the app, or a recovery code."""
    next_url = _next_url(request, settings.LOGIN_REDIRECT_URL)
    step = two_factor.pending_step(user=request.user, verified=_is_verified(request))
    if step is None:
        return redirect(next_url)
    if step == two_factor.ENROL:
        return redirect(_with_next("two-factor-setup", next_url))
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.code_verify(user=request.user, code=form.cleaned_data["code"])
        except ApplicationError as error:
            form.add_error("code", error.message)
        else:
            otp_login(request, device)
            return redirect(next_url)
    return render(request, "agents/two_factor/verify.html", {"form": form, "next": next_url})


@never_cache
@login_required
def setup(request: SignedInRequest) -> HttpResponse:
    """Set up an app: its key as a QR code and as text, confirmed by its first code."""
    next_url = _next_url(request, reverse("two-factor"))
    try:
        device = two_factor.app_device_pending(user=request.user)
    except Conflict:
        # Already on: the middleware sends a session that has not used it to the second step.
        return redirect("two-factor")
    form = TwoFactorSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor.app_device_confirm(
                user=request.user, code=form.cleaned_data["code"]
            )
        except ApplicationError as error:
            form.add_error("code", error.message)
        else:
            # The code just given is this session's second step.
            otp_login(request, device)
            context = {"codes": codes, "next": next_url, "first_time": True}
            return render(request, "agents/two_factor/recovery_codes.html", context)
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": _qr_svg(device),
        "secret": _secret_text(device),
        "state": two_factor.two_factor_state(user=request.user),
    }
    return render(request, "agents/two_factor/setup.html", context)


@never_cache
@login_required
def manage(request: SignedInRequest) -> HttpResponse:
    """Two-factor sign-in of one's own account: on or off, recovery codes left."""
    return _manage_page(request)


@never_cache
@login_required
@require_POST
def recovery_codes(request: SignedInRequest) -> HttpResponse:
    form = TwoFactorConfirmForm(request.POST, prefix="codes")
    if form.is_valid():
        try:
            two_factor.identity_confirm(user=request.user, secret=form.cleaned_data["secret"])
            codes = two_factor.recovery_codes_regenerate(user=request.user)
        except ApplicationError as error:
            form.add_error("secret", error.message)
        else:
            context = {"codes": codes, "next": reverse("two-factor"), "first_time": False}
            return render(request, "agents/two_factor/recovery_codes.html", context)
    return _manage_page(request, codes_form=form)


@never_cache
@login_required
@require_POST
def disable(request: SignedInRequest) -> HttpResponse:
    form = TwoFactorConfirmForm(request.POST, prefix="disable")
    if form.is_valid():
        try:
            two_factor.identity_confirm(user=request.user, secret=form.cleaned_data["secret"])
            two_factor.two_factor_disable(user=request.user)
        except ApplicationError as error:
            form.add_error("secret", error.message)
        else:
            messages.success(request, gettext("Two-factor sign-in is off."))
            return redirect("two-factor")
    return _manage_page(request, disable_form=form)


def _manage_page(
    request: SignedInRequest,
    *,
    codes_form: TwoFactorConfirmForm | None = None,
    disable_form: TwoFactorConfirmForm | None = None,
) -> HttpResponse:
    context = {
        "state": two_factor.two_factor_summary(user=request.user),
        "codes_form": codes_form or TwoFactorConfirmForm(prefix="codes"),
        "disable_form": disable_form or TwoFactorConfirmForm(prefix="disable"),
    }
    return render(request, "agents/two_factor/manage.html", context)


def _qr_svg(device: TOTPDevice) -> SafeString:
    """The otpauth:// URL as an inline SVG: no inline style, no image URL to allow."""
    image = qrcode.make(device.config_url, image_factory=SvgPathFillImage)
    svg = image.to_string(encoding="unicode")
    name = escape(gettext("QR code of your two-factor key"))
    label = f'class="qr" role="img" aria-label="{name}"'
    # Generated by qrcode from our own URL: no text of anyone's in the markup.
    return mark_safe(svg.replace("<svg ", f"<svg {label} ", 1))


def _secret_text(device: TOTPDevice) -> str:
    """The key in base32, as apps ask for it typed, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
