from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from agents.models import AgentProfile

MAX_AVATAR_BYTES = 2_000_000


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        max_length=120,
        required=False,
        label=_("Display name"),
        help_text=_("Shown to colleagues and, when you take a handoff, to the user."),
    )
    avatar = forms.ImageField(
        required=False,
        label=_("Avatar"),
        help_text=_("PNG, JPEG, GIF or WebP, at most 2 MB."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )
    remove_avatar = forms.BooleanField(required=False, label=_("Remove my avatar"))
    color_scheme = forms.ChoiceField(
        choices=AgentProfile.ColorScheme.choices,
        required=False,
        label=_("Theme"),
        help_text=_("Dark or light pages; “as the system” follows your device's setting."),
    )
    language = forms.ChoiceField(
        choices=[("", _("As the browser"))] + list(settings.LANGUAGES),
        required=False,
        label=_("Language"),
        help_text=_("The workspace's language; “as the browser” follows your browser's setting."),
    )

    def clean_avatar(self) -> Any:
        avatar = self.cleaned_data.get("avatar")
        if avatar and avatar.size > MAX_AVATAR_BYTES:
            raise forms.ValidationError(_("The image is larger than 2 MB."))
        return avatar
