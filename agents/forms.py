from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _


class InvitationSignupForm(UserCreationForm):
    """Username and password checks are Django's own; the display name is ours."""

    display_name = forms.CharField(
        max_length=120,
        label=_("Your name"),
        help_text=_("Shown to colleagues and to the users you help."),
    )

    field_order = ["display_name", "username", "password1", "password2"]


def _code_input(**attrs: str | bool) -> forms.TextInput:
    return forms.TextInput(
        attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
        | attrs
    )


class TwoFactorCodeForm(forms.Form):
    """The second step of sign-in."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=_code_input(autofocus=True),
        help_text=_(
            "The 6-digit code your authenticator app shows, or one of your recovery codes."
        ),
    )


class TwoFactorSetupForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=12,
        widget=_code_input(inputmode="numeric"),
        help_text=_("The 6-digit code the app shows once it has the key."),
    )


class TwoFactorConfirmForm(forms.Form):
    """What renewing recovery codes or turning two-factor sign-in off asks for."""

    secret = forms.CharField(
        label=_("Your password or a current code"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
