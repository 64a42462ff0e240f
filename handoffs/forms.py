from __future__ import annotations

from typing import Any

from django import forms

from agents.models import AgentProfile

MAX_AVATAR_BYTES = 2_000_000


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        max_length=120,
        required=False,
        help_text="Shown to colleagues and, when you take a handoff, to the user.",
    )
    avatar = forms.ImageField(
        required=False,
        help_text="PNG, JPEG, GIF or WebP, at most 2 MB.",
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )
    remove_avatar = forms.BooleanField(required=False, label="Remove my avatar")
    color_scheme = forms.ChoiceField(
        choices=AgentProfile.ColorScheme.choices,
        required=False,
        label="Theme",
        help_text="Dark or light pages; “as the system” follows your device's setting.",
    )

    def clean_avatar(self) -> Any:
        avatar = self.cleaned_data.get("avatar")
        if avatar and avatar.size > MAX_AVATAR_BYTES:
            raise forms.ValidationError("The image is larger than 2 MB.")
        return avatar
