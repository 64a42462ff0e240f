"""Issue 24: the dashboard's added figures (first-response time, hour of week) and their CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from handoffs import services
from handoffs.reports import handoff_report, report_csv
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db

MONDAY_9 = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)


def answered(bot, agent, created, *, wait, reply, resolve=None, labels=()):
    """A handoff assigned `wait` s after it was created, answered `reply` s after creation."""
    with time_machine.travel(created, tick=False):
        handoff, _ = services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))
    if labels:
        services.handoff_set_labels(handoff=handoff, names=list(labels))
    with time_machine.travel(created + timedelta(seconds=wait), tick=False):
        services.handoff_assign(handoff=handoff, agent=agent)
    if reply is not None:
        with time_machine.travel(created + timedelta(seconds=reply), tick=False):
            services.message_send_agent(conversation=handoff.conversation, agent=agent, text="Hi")
        with time_machine.travel(created + timedelta(seconds=reply + 5), tick=False):
            services.message_send_agent(conversation=handoff.conversation, agent=agent, text="2")
    if resolve is not None:
        with time_machine.travel(created + timedelta(seconds=resolve), tick=False):
            services.handoff_resolve(handoff=handoff, actor=agent)
    return handoff


@pytest.fixture
def data(bot, agent, other_agent):
    # First responses 30, 90 (agent), 300 (other); one handoff never answered.
    answered(bot, agent, MONDAY_9, wait=10, reply=30, resolve=100, labels=["shipping"])
    answered(bot, agent, MONDAY_9 + timedelta(minutes=1), wait=20, reply=90, resolve=200)
    answered(bot, other_agent, MONDAY_9 + timedelta(days=1, hours=5), wait=60, reply=300)
    answered(bot, other_agent, MONDAY_9 + timedelta(days=1, hours=6), wait=60, reply=None)


def report(bot):
    return handoff_report(bot=bot, start=date(2026, 3, 2), end=date(2026, 3, 3))


def test_first_response_counts_the_first_agent_message_after_creation(bot, data):
    totals = report(bot)["totals"]

    assert totals["first_response_median"] == 90
    assert totals["first_response_p90"] == 300


def test_first_response_per_agent_and_label(bot, data, agent, other_agent):
    figures = report(bot)

    mine = next(row for row in figures["agents"] if row["agent_id"] == agent.pk)
    assert mine["first_response_median"] == 60  # 30 and 90
    other = next(row for row in figures["agents"] if row["agent_id"] == other_agent.pk)
    assert other["first_response_median"] == 300  # the unanswered one is left out
    shipping = next(row for row in figures["labels"] if row["label"] == "shipping")
    assert shipping["first_response_median"] == 30


def test_an_earlier_handoffs_reply_is_not_a_first_response(bot, agent):
    first = answered(bot, agent, MONDAY_9, wait=10, reply=30, resolve=60)
    with time_machine.travel(MONDAY_9 + timedelta(minutes=10), tick=False):
        services.handoff_request(conversation=first.conversation)

    totals = report(bot)["totals"]

    assert totals["first_response_median"] == 30
    assert totals["handoffs"] == 2


def test_hours_of_the_week_count_handoffs_per_weekday_and_hour_utc(bot, data):
    hours = report(bot)["hours"]

    assert len(hours) == 7
    assert all(len(day) == 24 for day in hours)
    assert hours[0][9] == 2  # Monday 09:xx
    assert hours[1][14] == 1  # Tuesday 14:15
    assert hours[1][15] == 1
    assert sum(map(sum, hours)) == 4


def test_csv_carries_totals_first_response_and_hours(bot, data):
    rows = list(csv.reader(io.StringIO(report_csv(report(bot)))))

    header = rows[0]
    assert header[-2:] == ["first_response_median_s", "first_response_p90_s"]
    total = next(row for row in rows if row[0] == "total")
    assert total[2] == "4"
    assert float(total[header.index("first_response_median_s")]) == 90
    hours = {row[1]: row[2] for row in rows if row[0] == "hour"}
    assert len(hours) == 7 * 24
    assert hours["Mon 09"] == "2"
    assert hours["Tue 14"] == "1"
    breaches = {row[1]: row[2] for row in rows if row[0] == "sla_breaches"}
    assert breaches == {"first_response": "0", "resolution": "0"}


def test_migration_fills_first_responses_of_earlier_handoffs(bot, agent):
    from importlib import import_module

    from django.apps import apps

    from handoffs.models import Handoff

    handoff = answered(bot, agent, MONDAY_9, wait=10, reply=30, resolve=60)
    with time_machine.travel(MONDAY_9 + timedelta(hours=1), tick=False):
        later, _ = services.handoff_request(conversation=handoff.conversation)
    Handoff.objects.update(first_response_at=None)

    import_module("handoffs.migrations.0021_backfill_first_response_at").backfill(apps, None)

    handoff.refresh_from_db()
    later.refresh_from_db()
    assert handoff.first_response_at == MONDAY_9 + timedelta(seconds=30)
    # The conversation's agent messages all came before it: no first response yet.
    assert later.first_response_at is None


def test_dashboard_page_draws_the_charts_with_names_escaped(client, bot, admin, agent):
    answered(bot, agent, MONDAY_9, wait=10, reply=30, resolve=60, labels=["<b>x</b>"])
    client.force_login(admin)

    html = client.get(f"/workspace/reports/?bot={bot.bot_id}&from=2026-03-02&to=2026-03-03")

    body = html.content.decode()
    assert body.count('<svg class="chart"') == 5
    assert "<b>x</b>" not in body
    assert "&lt;b&gt;x&lt;/b&gt;" in body
    assert "First response median (s)" in body
    assert "SLA breaches: first response 0, resolution 0." in body


def test_api_report_carries_first_response_and_hours(bot, admin, data):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(admin)

    url = f"/api/v1/bots/{bot.bot_id}/mod/hitlnext/reports?from=2026-03-02&to=2026-03-03"
    body = client.get(url).json()

    assert body["totals"]["firstResponseMedian"] == 90
    assert "firstResponseP90" in body["agents"][0]
    assert body["hours"][0][9] == 2


def test_the_workspace_links_admins_to_the_reports(client, bot, admin, agent):
    client.force_login(admin)
    link = f'href="/workspace/reports/?bot={bot.bot_id}"'

    assert link in client.get(f"/workspace/{bot.bot_id}/").content.decode()
    client.force_login(agent)
    assert link not in client.get(f"/workspace/{bot.bot_id}/").content.decode()
