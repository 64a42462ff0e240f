"""Two-factor sign-in in a real browser: set it up from the profile, then sign in with a code."""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from agents.services import agent_create
from tests.factories import BotFactory

from .conftest import PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def app_code(secret: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the key the page gave as text."""
    key = b32decode(secret.replace(" ", ""))
    return f"{TOTP(key, drift=steps_ahead).token():06d}"


def log_in(page, username: str) -> None:
    page.goto("/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_set_up_from_the_profile_then_sign_in_with_a_code(new_page):
    bot = BotFactory(bot_id="acme-support", name="Acme Support")
    agent_create(workspace=bot.workspace, username="sam", password=PASSWORD, display_name="Sam")
    page = new_page()
    log_in(page, "sam")
    expect(page).to_have_url(re.compile(r"/workspace/acme-support/$"))

    page.goto("/accounts/profile/")
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    expect(page.get_by_role("img", name="QR code of your two-factor key")).to_be_visible()
    secret = page.locator("#two-factor-secret").inner_text()
    screenshot(page, "two-factor-setup.png")
    page.get_by_label("Code from the app").fill(app_code(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.get_by_role("list", name="Recovery codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="I have saved them: continue").click()
    expect(page.get_by_text("On since")).to_be_visible()

    page.goto("/workspace/acme-support/")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    log_in(page, "sam")
    # The password alone leads to the second step, and nowhere else.
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/verify/"))
    page.goto("/workspace/acme-support/")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/verify/"))
    # The code of the next period: the one used to set it up cannot be used twice.
    page.get_by_label("Code").fill(app_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()

    expect(page).to_have_url(re.compile(r"/workspace/acme-support/$"))
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    assert page.js_errors == []
