"""One daphne and one Chromium per module; each test gets fresh browser contexts.

Playwright's sync API keeps an event loop running in this thread, so Django's ORM refuses
synchronous calls while it is up: DJANGO_ALLOW_ASYNC_UNSAFE is set for these modules only.

Every page of every test is watched for Content-Security-Policy violations (a script, style,
image, connection or frame the policy refused, in the page or in its frames): a test that saw
one fails, since what the policy refused is missing for real users.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import Client

from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.servers import ROOT, daphne

RESULTS = ROOT / "test-results"
PASSWORD = "correct-horse-battery"
# Chromium writes "Refused to ... because it violates the following Content Security Policy
# directive" to the console; the listener below reports the event itself in the same words.
CSP_MARK = "Content Security Policy"
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const what = `${event.violatedDirective} ${event.blockedURI} in ${location.href}`;
  console.error(`Content Security Policy violation: ${what}`);
});
"""

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items):
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"needs Debian's Chromium at {CHROMIUM}")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def fast_password_hasher():
    """Not MD5 here: the daphne process checks passwords with the default hashers."""


@pytest.fixture(scope="module")
def live_url(django_db_setup) -> Iterator[str]:
    """A daphne process serving the test database (one process: the in-memory layer works)."""
    with daphne() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()


@pytest.fixture
def new_page(browser, live_url) -> Iterator[Callable]:
    """A page in its own context (its own cookies), optionally logged in as `user`, in the
    browser language `locale` (Playwright's default, English, when None)."""
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    contexts = []
    pages = []

    def open_page(user=None, locale=None):
        language = {"locale": locale} if locale else {}
        context = browser.new_context(
            viewport={"width": 1280, "height": 800}, base_url=live_url, **language
        )
        context.add_init_script(REPORT_VIOLATIONS)
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            context.add_cookies(
                [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_url}]
            )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.js_errors = errors
        violations: list[str] = []
        page.on("console", lambda message: _note_violation(message, violations))
        page.csp_violations = violations
        pages.append(page)
        return page

    yield open_page
    for context in contexts:
        context.close()
    seen = [violation for page in pages for violation in page.csp_violations]
    assert not seen, "Content-Security-Policy violations:\n" + "\n".join(seen)


def _note_violation(message, violations: list[str]) -> None:
    # The console of a page carries its frames' messages too (the widget's chat iframe).
    if CSP_MARK in message.text:
        violations.append(f"{message.location.get('url')}: {message.text}")


def screenshot(page, name: str) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / name
    page.screenshot(path=str(path))
    return path
