"""REST for issue 23's bot options: availability's opening hours, a request refused outside
hours (the bot hears outsideBusinessHours), the SLA marker, a user's place in the queue, and
the breaches in reports. Without the options the answers are as before (tests/compat)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine

from channels_adapters import services as adapter_services
from handoffs import services
from handoffs.models import BusinessHours, Message
from handoffs.services.sla import handoffs_check_sla
from tests.deliveries import deliver_due

from .conftest import api_url

pytestmark = pytest.mark.django_db

MONDAY_18_PARIS = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


@pytest.fixture
def paris_office(bot):
    bot.business_hours_timezone = "Europe/Paris"
    bot.save()
    for weekday in range(5):
        BusinessHours.objects.create(bot=bot, weekday=weekday, opens=time(9), closes=time(17))
    return bot


def test_availability_without_a_schedule_is_open(token_client, bot):
    body = token_client.get(api_url(bot, "mod/hitlnext/availability")).json()
    assert body["open"] is True
    assert body["nextOpening"] is None


def test_availability_closed_says_the_next_opening(token_client, paris_office):
    with time_machine.travel(MONDAY_18_PARIS):
        body = token_client.get(api_url(paris_office, "mod/hitlnext/availability")).json()
    assert body["open"] is False
    assert body["nextOpening"] == "2026-03-03T08:00:00Z"


def test_a_refused_request_outside_hours(
    token_client, paris_office, httpserver, django_capture_on_commit_callbacks
):
    paris_office.outside_hours_action = "refuse"
    paris_office.bot_webhook_url = httpserver.url_for("/bot")
    paris_office.save()
    httpserver.expect_request("/bot", method="POST").respond_with_data("ok")
    adapter_services.inbound_receive(bot=paris_office, channel="web", user_id="u1", text="hi")

    with time_machine.travel(MONDAY_18_PARIS), django_capture_on_commit_callbacks(execute=True):
        response = token_client.post(
            api_url(paris_office, "mod/hitlnext/handoffs"),
            {"userId": "u1", "userChannel": "web"},
            format="json",
        )

    assert response.status_code == 201
    assert response.json()["status"] == "rejected"
    assert response.json()["closeReason"] == "outside_business_hours"
    deliver_due()
    bodies = [json.loads(request.get_data()) for request, _ in httpserver.log]
    assert [b["exitType"] for b in bodies if b["type"] == "exit"] == ["outsideBusinessHours"]


def test_a_handoff_without_options_has_no_new_fields(token_client, bot, pending_handoff):
    body = token_client.get(api_url(bot, f"mod/hitlnext/handoffs/{pending_handoff.pk}")).json()
    assert "sla" not in body
    assert "closeReason" not in body


def test_the_sla_marker_in_the_handoff(token_client, bot, conversation):
    bot.sla_first_response = timedelta(minutes=10)
    bot.save()
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=UTC), tick=False) as clock:
        handoff, _ = services.handoff_request(conversation=conversation)
        clock.shift(timedelta(minutes=9))
        body = token_client.get(api_url(bot, f"mod/hitlnext/handoffs/{handoff.pk}")).json()

    assert body["sla"] == {
        "state": "near",
        "target": "firstResponse",
        "nearAt": "2026-03-02T10:08:00Z",
        "dueAt": "2026-03-02T10:10:00Z",
    }


def test_the_user_asks_for_their_place(token_client, bot, pending_handoff):
    bot.queue_position_updates = True
    bot.save()
    url = api_url(bot, f"mod/hitlnext/handoffs/{pending_handoff.pk}/position")
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=5)):
        first = token_client.post(url)
        again = token_client.post(url)

    assert first.status_code == 200
    assert first.json() == {"position": 1, "estimatedWait": "?", "sent": True}
    assert again.json()["sent"] is False  # within the bot's interval
    sent = Message.objects.filter(conversation=pending_handoff.conversation, direction="system")
    assert sent.filter(text__startswith="You are number 1 in line").count() == 1


def test_a_handoff_not_waiting_has_no_place(token_client, bot, assigned_handoff):
    response = token_client.post(
        api_url(bot, f"mod/hitlnext/handoffs/{assigned_handoff.pk}/position")
    )
    assert response.status_code == 422
    assert response.json()["code"] == "handoff_not_pending"


def test_another_bots_handoff_is_unknown(token_client, foreign_bot, pending_handoff):
    response = token_client.post(
        api_url(foreign_bot, f"mod/hitlnext/handoffs/{pending_handoff.pk}/position")
    )
    assert response.status_code == 404


def test_reports_count_sla_breaches(admin_client, bot, conversation):
    bot.sla_first_response = timedelta(minutes=10)
    bot.save()
    day = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with time_machine.travel(day, tick=False) as clock:
        services.handoff_request(conversation=conversation)
        clock.shift(timedelta(minutes=11))
        handoffs_check_sla()
        response = admin_client.get(
            api_url(bot, "mod/hitlnext/reports"), {"from": "2026-03-02", "to": "2026-03-02"}
        )

    assert response.json()["slaBreaches"] == {"firstResponse": 1, "resolution": 0}
