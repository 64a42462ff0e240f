"""Report figures on a fixed data set, computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from handoffs import services
from handoffs.reports import handoff_report, p90, report_csv
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db

DAY1 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY2 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def handoff_at(bot, created, *, wait=None, handle=None, agent=None, expire=False, labels=()):
    with time_machine.travel(created, tick=False):
        handoff, _ = services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))
    if labels:
        services.handoff_set_labels(handoff=handoff, names=list(labels))
    if expire:
        with time_machine.travel(created + timedelta(hours=1), tick=False):
            services.handoff_expire(handoff=handoff)
    if wait is not None:
        with time_machine.travel(created + timedelta(seconds=wait), tick=False):
            services.handoff_assign(handoff=handoff, agent=agent)
    if handle is not None:
        with time_machine.travel(created + timedelta(seconds=wait + handle), tick=False):
            services.handoff_resolve(handoff=handoff, actor=agent)
    return handoff


@pytest.fixture
def data(bot, agent, other_agent):
    # Waiting times 60, 120, 180 (agent) and 600 (other); handling 300, 600 (agent), 900 (other).
    handoff_at(bot, DAY1, wait=60, handle=300, agent=agent, labels=["shipping"])
    handoff_at(bot, DAY1 + timedelta(hours=1), wait=120, handle=600, agent=agent)
    handoff_at(bot, DAY1 + timedelta(hours=2), wait=180, agent=agent, labels=["shipping"])
    handoff_at(bot, DAY2, wait=600, handle=900, agent=other_agent, labels=["warranty"])
    handoff_at(bot, DAY2 + timedelta(hours=1), expire=True)


def test_days(bot, data):
    report = handoff_report(bot=bot, start=date(2026, 3, 1), end=date(2026, 3, 3))

    assert report["days"] == [
        {"date": "2026-03-01", "created": 0, "resolved": 0, "expired": 0, "rejected": 0},
        {"date": "2026-03-02", "created": 3, "resolved": 2, "expired": 0, "rejected": 0},
        {"date": "2026-03-03", "created": 2, "resolved": 1, "expired": 1, "rejected": 0},
    ]


def test_totals(bot, data):
    totals = handoff_report(bot=bot, start=date(2026, 3, 2), end=date(2026, 3, 3))["totals"]

    assert totals["handoffs"] == 5
    assert totals["waiting_median"] == 150  # (120 + 180) / 2 of 60, 120, 180, 600
    assert totals["waiting_p90"] == 600  # ceil(0.9 * 4) = 4th
    assert totals["handling_median"] == 600  # of 300, 600, 900
    assert totals["handling_p90"] == 900


def test_per_agent_and_label(bot, data, agent, other_agent):
    report = handoff_report(bot=bot, start=date(2026, 3, 2), end=date(2026, 3, 3))

    mine = next(row for row in report["agents"] if row["agent_id"] == agent.pk)
    assert mine["handoffs"] == 3
    assert mine["waiting_median"] == 120
    assert mine["handling_median"] == 450
    shipping = next(row for row in report["labels"] if row["label"] == "shipping")
    assert shipping["handoffs"] == 2
    assert shipping["waiting_median"] == 120  # 60 and 180


def test_range_excludes_other_days(bot, data):
    report = handoff_report(bot=bot, start=date(2026, 3, 3), end=date(2026, 3, 3))

    assert report["totals"]["handoffs"] == 2


def test_p90_nearest_rank():
    assert p90(list(range(1, 11))) == 9
    assert p90([5]) == 5
    assert p90([]) is None


def test_csv_has_a_row_per_day_agent_and_label(bot, data):
    csv_text = report_csv(handoff_report(bot=bot, start=date(2026, 3, 2), end=date(2026, 3, 3)))

    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("section,key")
    assert sum(line.startswith("day,") for line in lines) == 2
    assert sum(line.startswith("agent,") for line in lines) == 2
    assert sum(line.startswith("label,") for line in lines) == 2
