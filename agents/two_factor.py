"""Two-factor sign-in: an authenticator app (TOTP) and one-time recovery codes, on django-otp.

A person with a confirmed app, or a member of a workspace that requires two-factor sign-in,
counts as signed in only once the session passed the second step (`django_otp.login` records
the device in the session; `request.user.is_verified()` reads it). Until then
`agents.middleware.TwoFactorMiddleware` lets them reach only the step they owe, and the
workspace socket refuses them.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, NoReturn

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device, ThrottlingMixin
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .errors import ApplicationError, Conflict, Forbidden
from .models import Membership, Workspace
from .sql import column, table

logger = logging.getLogger(__name__)

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"

# What a signed-in session still owes before it counts (pending_step).
VERIFY = "verify"
ENROL = "enrol"


@dataclass(frozen=True)
class TwoFactorState:
    enrolled: bool
    required: bool
    recovery_codes_left: int = 0
    enrolled_at: datetime | None = None


def two_factor_state(*, user: User) -> TwoFactorState:
    """Whether the person has a confirmed app, and whether a workspace of theirs requires one.

    One query, on every request of a signed-in session no device verified (every request of
    a person without two-factor sign-in) and on every socket an agent opens. Written out: the
    ORM spent more CPU building its two EXISTS subqueries than the database took to answer,
    a quarter of a socket's connect (bench/README.md, "10,000 sockets").
    """
    with connection.cursor() as cursor:
        cursor.execute(_state_sql(), [user.pk, user.pk])
        has_app, is_required = cursor.fetchone()
    return TwoFactorState(enrolled=bool(has_app), required=bool(is_required))


@cache
def _state_sql() -> str:
    app = (
        f"SELECT 1 FROM {table(TOTPDevice)} d WHERE d.{column(TOTPDevice, 'user')} = %s"
        f" AND d.{column(TOTPDevice, 'confirmed')}"
    )
    required = (
        f"SELECT 1 FROM {table(Membership)} m JOIN {table(Workspace)} w"
        f" ON w.{column(Workspace, 'id')} = m.{column(Membership, 'workspace')}"
        f" WHERE m.{column(Membership, 'user')} = %s"
        f" AND w.{column(Workspace, 'require_two_factor')}"
    )
    return f"SELECT EXISTS({app}), EXISTS({required})"


def two_factor_summary(*, user: User) -> TwoFactorState:
    """The state with what the profile pages show: when it was set up, recovery codes left."""
    state = two_factor_state(user=user)
    app = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    left = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return TwoFactorState(
        enrolled=state.enrolled,
        required=state.required,
        recovery_codes_left=left,
        enrolled_at=app.created_at if app else None,
    )


def pending_step(*, user: User, verified: bool) -> str | None:
    """What a signed-in session still owes: VERIFY (a code), ENROL (set up an app), or None."""
    if verified or not user.is_authenticated:
        return None
    state = two_factor_state(user=user)
    if state.enrolled:
        return VERIFY
    if state.required:
        return ENROL
    return None


def session_is_verified(*, user: User, session: Mapping[str, Any] | None) -> bool:
    """What OTPMiddleware reads from a request's session, for one read elsewhere (a socket)."""
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    if not persistent_id:
        return False
    device = Device.from_persistent_id(persistent_id)
    return device is not None and device.user_id == user.pk and device.confirmed


def session_pending_step(*, user: User, session: Mapping[str, Any] | None) -> str | None:
    return pending_step(user=user, verified=session_is_verified(user=user, session=session))


def app_device_pending(*, user: User) -> TOTPDevice:
    """The app being set up: the same secret until it is confirmed, so a reload keeps a scanned
    code valid."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise Conflict(gettext("Two-factor sign-in is already on."), code="two_factor_enabled")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def app_device_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Turn two-factor sign-in on with the first code the app shows. Returns the device (the
    session that set it up counts as verified) and the recovery codes, shown once."""
    token = _app_code(code)
    with transaction.atomic():
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise Conflict(gettext("Two-factor sign-in is already on."), code="two_factor_enabled")
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            raise ApplicationError(
                gettext(
                    "Start the set-up again: no authenticator app is waiting for its first code."
                ),
                code="two_factor_not_started",
            )
        _check_not_throttled(device, user=user, step="setup")
        accepted = bool(token) and device.verify_token(token)
        if accepted:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            codes = _new_recovery_codes(user=user)
    # Outside the transaction: the failure count the device just recorded must stay.
    if not accepted:
        _refused(device, user=user, step="setup")
    logger.info("two-factor sign-in turned on for user %s", user.pk)
    return device, codes


def code_verify(*, user: User, code: str) -> Device:
    """The device that accepts `code`: a code from the app, or a recovery code (used up)."""
    token = _normalize(code)
    # Recovery codes always hold a letter: digits are a code from the app.
    model: type[TOTPDevice] | type[StaticDevice] = TOTPDevice if token.isdigit() else StaticDevice
    with transaction.atomic():
        device = (
            model.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .order_by("pk")
            .first()
        )
        if device is not None:
            _check_not_throttled(device, user=user, step="sign-in")
        accepted = device is not None and bool(token) and device.verify_token(token)
    if not accepted or device is None:
        _refused(device, user=user, step="sign-in")
    if isinstance(device, StaticDevice):
        left = device.token_set.count()
        logger.info("user %s signed in with a recovery code (%d left)", user.pk, left)
    return device


def identity_confirm(*, user: User, secret: str) -> None:
    """A current code from the app, or the password: what changing two-factor sign-in asks."""
    if _normalize(secret).isdigit():
        try:
            code_verify(user=user, code=secret)
        except ApplicationError:
            # An all-digit password (the admin may set one) is still a password.
            if not user.check_password(secret):
                raise
        return
    if not user.check_password(secret):
        logger.warning("two-factor change refused for user %s: wrong password", user.pk)
        raise ApplicationError(
            gettext("That password or code is not right."), code="invalid_confirmation"
        )


def recovery_codes_regenerate(*, user: User) -> list[str]:
    """New recovery codes; the old ones stop working."""
    with transaction.atomic():
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise ApplicationError(
                gettext("Two-factor sign-in is off."), code="two_factor_disabled"
            )
        codes = _new_recovery_codes(user=user)
    logger.info("recovery codes renewed for user %s", user.pk)
    return codes


def two_factor_disable(*, user: User) -> None:
    """Remove the app and the recovery codes, unless a workspace of the person requires them."""
    with transaction.atomic():
        if two_factor_state(user=user).required:
            raise Forbidden(
                gettext("Your workspace requires two-factor sign-in: it cannot be turned off."),
                code="two_factor_required",
            )
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    logger.info("two-factor sign-in turned off for user %s", user.pk)


def _new_recovery_codes(*, user: User) -> list[str]:
    # The device stays (a session verified by a recovery code stays verified); its codes change.
    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME)
    device.token_set.all().delete()
    codes: list[str] = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()
        # Never all digits: code_verify reads digits as a code from the app.
        if not code.isdigit() and code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    device.throttle_reset()
    return codes


def _normalize(code: str) -> str:
    """Codes as people type them: spaces, dashes and capitals allowed."""
    return "".join(code.split()).replace("-", "").lower()


def _app_code(code: str) -> str:
    token = _normalize(code)
    return token if token.isdigit() else ""


def _check_not_throttled(device: ThrottlingMixin, *, user: User, step: str) -> None:
    allowed, info = device.verify_is_allowed()
    if allowed:
        return
    locked_until = (info or {}).get("locked_until")
    wait = (locked_until - timezone.now()).total_seconds() if locked_until else 1
    seconds = max(1, math.ceil(wait))
    logger.warning(
        "two-factor %s: code from user %s refused unread, %d wrong in a row",
        step,
        user.pk,
        device.throttling_failure_count,
    )
    raise ApplicationError(
        ngettext(
            "Too many wrong codes. Try again in %(seconds)d second.",
            "Too many wrong codes. Try again in %(seconds)d seconds.",
            seconds,
        )
        % {"seconds": seconds},
        code="too_many_attempts",
        status_code=429,
        extra={"retryAfter": seconds},
    )


def _refused(device: ThrottlingMixin | None, *, user: User, step: str) -> NoReturn:
    failures = device.throttling_failure_count if device is not None else 0
    logger.warning("two-factor %s: wrong code from user %s (%d in a row)", step, user.pk, failures)
    raise ApplicationError(gettext("That code is not right."), code="invalid_code")
