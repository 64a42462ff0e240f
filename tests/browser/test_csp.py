"""The Content-Security-Policy in a real browser: the pages the workflow tests do not open pass
it too (the conftest fails a test on any violation), and a violation is noticed at all."""

from __future__ import annotations

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from agents.models import Membership
from agents.services import agent_create
from tests.factories import BotFactory

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def boss():
    """A workspace admin who is also the site's superuser."""
    bot = BotFactory(bot_id="shop", name="Shop")
    user = agent_create(workspace=bot.workspace, username="boss", password=PASSWORD, role="admin")
    user.is_staff = user.is_superuser = True
    user.save()
    Membership.objects.filter(user=user).update(online=True)
    return user


def test_an_inline_script_is_refused_and_noticed(new_page, boss):
    page = new_page(boss)
    page.goto("/accounts/profile/")

    # Chromium logs its own "Refused to execute..." line at once, and the page's listener its
    # line when the violation event is dispatched, later: wait for the listener's, or it can
    # land after the clear below and fail the test at teardown.
    with (
        page.expect_console_message(_reported_by_the_listener),
        pytest.raises(PlaywrightError, match="Content Security Policy"),
    ):
        page.add_script_tag(content="window.ran = true")

    assert page.evaluate("window.ran === undefined")
    assert any("script-src" in violation for violation in page.csp_violations)
    page.csp_violations.clear()


def _reported_by_the_listener(message) -> bool:
    return message.text.startswith("Content Security Policy violation")


@pytest.mark.parametrize(
    "path, shows",
    [
        ("/accounts/login/", "Log in"),
        ("/accounts/password_reset/", "Reset"),
        ("/workspace/conversations/", "Conversations"),
        ("/workspace/reports/", "Handoff reports"),
        ("/accounts/profile/", "Your profile"),
        ("/admin/", "Site administration"),
        ("/admin/handoffs/bot/", "Shop"),
        ("/admin/handoffs/handoff/add/", "Add handoff"),
        ("/api-auth/login/", "Django REST framework"),
    ],
)
def test_pages_pass_the_policy(new_page, boss, path, shows):
    page = new_page(None if path in ("/accounts/login/", "/api-auth/login/") else boss)

    page.goto(path)

    expect(page.locator("body")).to_contain_text(shows)
    page.wait_for_load_state("networkidle")
    assert page.js_errors == []


def test_the_api_docs_render_under_the_policy(new_page, boss):
    page = new_page(boss)

    page.goto("/api/docs/")

    expect(page.locator(".swagger-ui .info")).to_contain_text("hitl API")
    expect(page.locator(".opblock").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert page.js_errors == []
