from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm


class InvitationSignupForm(UserCreationForm):
    """Username and password checks are Django's own; the display name is ours."""

    display_name = forms.CharField(
        max_length=120,
        label="Your name",
        help_text="Shown to colleagues and to the users you help.",
    )

    field_order = ["display_name", "username", "password1", "password2"]
