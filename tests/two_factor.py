"""Two-factor sign-in in tests: enrol a user, compute their app's codes, a verified session."""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from agents import two_factor


def app_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the person's app shows, or will show `steps_ahead` periods from now.

    A code is accepted once and only after the last one used (django-otp's `last_t`), one
    period either way: the next period's code passes right after another was used.
    """
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{totp.token():0{device.digits}d}"


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    """Set up an app for `user` as the setup page does; returns it and the recovery codes."""
    device = two_factor.app_device_pending(user=user)
    device, codes = two_factor.app_device_confirm(user=user, code=app_code(device))
    return device, codes


def verified_login(client: Client, user, device: Device) -> Client:
    """`force_login` plus the second step: the session counts as verified by `device`, as
    `django_otp.login(request, device)` leaves it."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
