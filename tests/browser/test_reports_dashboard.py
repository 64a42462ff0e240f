"""The reports dashboard in a real browser, with two weeks of seeded handoffs: every chart is
drawn as inline SVG beside its table, the filters reload it, the CSV downloads, and the page
passes the Content-Security-Policy (the `new_page` fixture fails the test on any violation).
Writes docs/reports.png, the README's picture, when missing or with HITL_UPDATE_SCREENSHOT=1."""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

from agents.models import Membership
from agents.services import agent_create
from handoffs.models import Handoff, Message
from tests.factories import BotFactory, ConversationFactory, LabelFactory
from tests.servers import ROOT

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS_SCREENSHOT = ROOT / "docs" / "reports.png"
FIRST_DAY = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
RANGE = "from=2026-11-02&to=2026-11-15"


def seed(bot, agents, labels, *, count: int = 90) -> None:
    """Handoffs over two weeks, busier on weekday office hours, with every outcome."""
    rng = random.Random(24)
    for _ in range(count):
        day = rng.randrange(14)
        hour = rng.choice([9, 10, 10, 11, 14, 15, 15, 16, 20]) if day % 7 < 5 else rng.randrange(24)
        created = FIRST_DAY + timedelta(days=day, hours=hour, minutes=rng.randrange(60))
        outcome = rng.choices(["resolved", "expired", "rejected", "open"], [14, 2, 1, 1])[0]
        conversation = ConversationFactory(end_user__bot=bot)
        handoff = Handoff.objects.create(bot=bot, conversation=conversation)
        fields = {"created_at": created}
        if outcome in ("resolved", "open"):
            agent = rng.choice(agents)
            assigned = created + timedelta(seconds=rng.randrange(20, 900))
            reply = assigned + timedelta(seconds=rng.randrange(5, 240))
            fields.update(
                agent=agent,
                assigned_at=assigned,
                first_response_at=reply,
                status=Handoff.Status.ASSIGNED,
            )
            message = Message.objects.create(
                conversation=conversation, direction="agent", author=agent, text="Hello"
            )
            Message.objects.filter(pk=message.pk).update(created_at=reply)
            if outcome == "resolved":
                resolved = reply + timedelta(seconds=rng.randrange(120, 2400))
                fields.update(status=Handoff.Status.RESOLVED, resolved_at=resolved)
        else:
            fields.update(status=outcome, resolved_at=created + timedelta(hours=1))
        Handoff.objects.filter(pk=handoff.pk).update(**fields)
        handoff.labels.set(rng.sample(labels, rng.randrange(0, 2)))


@pytest.fixture
def dashboard():
    bot = BotFactory(bot_id="acme-support", name="Acme Support")
    BotFactory(bot_id="acme-sales", name="Acme Sales", workspace=bot.workspace)
    admin = agent_create(
        workspace=bot.workspace, username="lee", password=PASSWORD, role=Membership.Role.ADMIN
    )
    agents = [
        agent_create(
            workspace=bot.workspace, username=name.lower(), password=None, display_name=name
        )
        for name in ("Sam Carter", "Kim Lee", "Ana Ruiz")
    ]
    labels = [LabelFactory(bot=bot, name=name) for name in ("billing", "shipping", "returns")]
    seed(bot, agents, labels)
    return bot, admin


def save_docs_screenshot(page, tmp_path) -> None:
    """The README's picture, quantized to stay small; rewritten only when asked or missing."""
    if DOCS_SCREENSHOT.exists() and not os.environ.get("HITL_UPDATE_SCREENSHOT"):
        return
    raw = tmp_path / "reports.png"
    page.screenshot(path=str(raw), full_page=True)
    with Image.open(raw) as image:
        image.convert("RGB").quantize(colors=96).save(DOCS_SCREENSHOT, optimize=True)


def test_dashboard_draws_every_chart_beside_its_table(new_page, dashboard, tmp_path):
    bot, admin = dashboard
    page = new_page(admin)
    page.goto(f"/workspace/reports/?bot={bot.bot_id}&{RANGE}")

    expect(page.get_by_role("heading", name="Handoff reports")).to_be_visible()
    expect(page.locator("svg.chart")).to_have_count(5)
    for chart in ("chart-days", "chart-times", "chart-agents", "chart-labels", "chart-hours"):
        expect(page.locator(f"#{chart}")).to_be_visible()
    # 14 days of stacked bars; 7 x 24 heatmap cells, some of them shaded.
    expect(page.locator("#chart-days text").filter(has_text="11-02")).to_have_count(1)
    assert page.locator("#chart-days rect").count() >= 14
    expect(page.locator("#chart-hours rect.heat")).to_have_count(7 * 24)
    assert page.locator("#chart-hours rect.heat-4").count() >= 1
    expect(page.locator("#chart-agents")).to_contain_text("Sam Carter")
    expect(page.locator("#chart-labels")).to_contain_text("shipping")
    # Tables beside the charts carry the same figures for screen readers.
    expect(page.get_by_role("table", name="Handoffs per day, by outcome")).to_be_visible()
    days = page.get_by_role("table", name="Handoffs per day, by outcome").locator("tbody tr")
    expect(days).to_have_count(14)
    expect(
        page.get_by_role("table", name="Handoffs created per weekday and hour, UTC")
    ).to_be_attached()
    expect(
        page.get_by_role("img", name="Handoffs created per hour of the week (UTC)")
    ).to_be_visible()
    # The chart's colours come from the stylesheet, not the default black fill.
    fill = page.locator("#chart-days rect.chart__bar--resolved").first.evaluate(
        "(node) => getComputedStyle(node).fill"
    )
    assert fill == "rgb(30, 142, 62)"
    save_docs_screenshot(page, tmp_path)
    assert page.js_errors == []


def test_filters_reload_the_dashboard_and_csv_downloads(new_page, dashboard):
    bot, admin = dashboard
    page = new_page(admin)
    page.goto(f"/workspace/reports/?bot={bot.bot_id}&{RANGE}")

    page.get_by_label("To").fill("2026-11-08")
    page.get_by_role("button", name="Show").click()
    days = page.get_by_role("table", name="Handoffs per day, by outcome").locator("tbody tr")
    expect(days).to_have_count(7)

    page.get_by_label("Bot").select_option("acme-sales")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".dashboard__summary")).to_contain_text("0 handoffs")
    expect(page.locator("#chart-agents")).to_contain_text("No data in this range")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == "handoffs-acme-sales-2026-11-02-2026-11-08.csv"
    assert page.js_errors == []
