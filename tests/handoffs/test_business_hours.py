"""Business hours: open or closed in the bot's zone, the next opening, and what a request
meets outside hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory

from handoffs import services
from handoffs.admin_routing import BusinessHoursFormSet, HolidayFormSet
from handoffs.models import Bot, BusinessHours, Handoff, Holiday, Message
from handoffs.schedules import bot_opening
from tests.admin_forms import post_bot_admin

pytestmark = pytest.mark.django_db

# 2026-03-02 is a Monday; Paris is UTC+1 in March before the 29th.
MONDAY_10_PARIS = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MONDAY_18_PARIS = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


@pytest.fixture
def scheduled_bot(bot):
    bot.business_hours_timezone = "Europe/Paris"
    bot.save()
    for weekday in range(5):
        BusinessHours.objects.create(bot=bot, weekday=weekday, opens=time(9), closes=time(17))
    return bot


def test_without_a_schedule_always_open(bot):
    with time_machine.travel(datetime(2026, 3, 1, 3, 0, tzinfo=UTC)):
        opening = bot_opening(bot=bot)
    assert opening.open is True
    assert opening.next_opening is None


def test_open_within_hours_in_the_bots_zone(scheduled_bot):
    with time_machine.travel(MONDAY_10_PARIS):
        assert bot_opening(bot=scheduled_bot).open is True


def test_closed_after_hours_opens_next_morning(scheduled_bot):
    with time_machine.travel(MONDAY_18_PARIS):
        opening = bot_opening(bot=scheduled_bot)
    assert opening.open is False
    assert opening.next_opening == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)


def test_a_holiday_is_closed_and_skipped(scheduled_bot):
    Holiday.objects.create(bot=scheduled_bot, date=date(2026, 3, 3), name="Closed")
    with time_machine.travel(MONDAY_18_PARIS):
        opening = bot_opening(bot=scheduled_bot)
    assert opening.next_opening == datetime(2026, 3, 4, 8, 0, tzinfo=UTC)
    with time_machine.travel(datetime(2026, 3, 3, 10, 0, tzinfo=UTC)):
        assert bot_opening(bot=scheduled_bot).open is False


def test_the_weekend_opens_on_monday(scheduled_bot):
    with time_machine.travel(datetime(2026, 3, 7, 12, 0, tzinfo=UTC)):
        opening = bot_opening(bot=scheduled_bot)
    assert opening.next_opening == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)


def test_local_hours_hold_across_daylight_saving(scheduled_bot):
    # Paris is UTC+2 from 2026-03-29: 9:00 there is 7:00 UTC.
    with time_machine.travel(datetime(2026, 3, 30, 6, 30, tzinfo=UTC)):
        opening = bot_opening(bot=scheduled_bot)
    assert opening.next_opening == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


def test_outside_hours_a_request_queues_with_the_out_of_office_message(scheduled_bot, conversation):
    scheduled_bot.out_of_office_message = {"en": "We are closed; back {{nextOpening}}."}
    scheduled_bot.save()
    with time_machine.travel(MONDAY_18_PARIS):
        handoff, created = services.handoff_request(conversation=conversation)

    assert created and handoff.status == Handoff.Status.PENDING
    texts = list(
        Message.objects.filter(conversation=conversation, direction="system").values_list(
            "text", flat=True
        )
    )
    assert texts[-1] == "We are closed; back 2026-03-03 09:00 (Europe/Paris)."


def test_within_hours_no_out_of_office_message(scheduled_bot, conversation):
    scheduled_bot.out_of_office_message = {"en": "We are closed."}
    scheduled_bot.save()
    with time_machine.travel(MONDAY_10_PARIS):
        services.handoff_request(conversation=conversation)
    assert not Message.objects.filter(conversation=conversation, text="We are closed.").exists()


def test_outside_hours_a_refusing_bot_keeps_the_user(scheduled_bot, conversation):
    scheduled_bot.outside_hours_action = "refuse"
    scheduled_bot.save()
    with time_machine.travel(MONDAY_18_PARIS):
        handoff, created = services.handoff_request(conversation=conversation)

    assert created
    assert handoff.status == Handoff.Status.REJECTED
    assert handoff.close_reason == Handoff.OUTSIDE_HOURS
    conversation.refresh_from_db()
    assert conversation.paused is False


def test_a_refusing_bot_within_hours_queues(scheduled_bot, conversation):
    scheduled_bot.outside_hours_action = "refuse"
    scheduled_bot.save()
    with time_machine.travel(MONDAY_10_PARIS):
        handoff, _ = services.handoff_request(conversation=conversation)
    assert handoff.status == Handoff.Status.PENDING


# -- validation in the admin


def test_an_unknown_zone_is_refused(bot):
    bot.business_hours_timezone = "Mars/Olympus"
    with pytest.raises(ValidationError) as error:
        bot.full_clean()
    assert "business_hours_timezone" in error.value.message_dict


def formset(cls, model, bot, rows, fields):
    FormSet = inlineformset_factory(Bot, model, formset=cls, fields=fields, extra=0)
    data = {
        "business_hours-TOTAL_FORMS" if model is BusinessHours else "holidays-TOTAL_FORMS": len(
            rows
        ),
        "business_hours-INITIAL_FORMS" if model is BusinessHours else "holidays-INITIAL_FORMS": 0,
    }
    prefix = "business_hours" if model is BusinessHours else "holidays"
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{index}-{name}"] = value
    return FormSet(data, instance=bot, prefix=prefix)


def hours_formset(bot, rows):
    return formset(BusinessHoursFormSet, BusinessHours, bot, rows, ["weekday", "opens", "closes"])


def test_overlapping_hours_are_refused(bot):
    rows = [
        {"weekday": 0, "opens": "09:00", "closes": "13:00"},
        {"weekday": 0, "opens": "12:00", "closes": "17:00"},
    ]
    forms = hours_formset(bot, rows)
    assert not forms.is_valid()
    assert "overlap on Monday" in str(forms.non_form_errors())


def test_adjacent_hours_and_other_days_are_fine(bot):
    rows = [
        {"weekday": 0, "opens": "09:00", "closes": "12:00"},
        {"weekday": 0, "opens": "12:00", "closes": "17:00"},
        {"weekday": 1, "opens": "10:00", "closes": "11:00"},
    ]
    assert hours_formset(bot, rows).is_valid()


def test_closing_before_opening_is_refused(bot):
    forms = hours_formset(bot, [{"weekday": 2, "opens": "17:00", "closes": "09:00"}])
    assert not forms.is_valid()
    assert "after opens" in str(forms.errors)


def test_a_holiday_twice_is_refused(bot):
    rows = [{"date": "2026-12-25", "name": "a"}, {"date": "2026-12-25", "name": "b"}]
    forms = formset(HolidayFormSet, Holiday, bot, rows, ["date", "name"])
    assert not forms.is_valid()


def test_the_admin_refuses_overlapping_hours(bot):
    response = post_bot_admin(
        bot,
        **{
            "business_hours-TOTAL_FORMS": 2,
            "business_hours-0-weekday": 4,
            "business_hours-0-opens": "09:00",
            "business_hours-0-closes": "13:00",
            "business_hours-1-weekday": 4,
            "business_hours-1-opens": "12:30",
            "business_hours-1-closes": "18:00",
        },
    )

    assert response.status_code == 200
    assert "Business hours overlap on Friday." in response.content.decode()
    assert not BusinessHours.objects.filter(bot=bot).exists()


def test_the_admin_refuses_an_unknown_zone(bot):
    response = post_bot_admin(bot, business_hours_timezone="Europe/Atlantis")

    assert response.status_code == 200
    assert "business_hours_timezone" in response.context["adminform"].form.errors


def test_the_admin_saves_a_schedule(bot):
    response = post_bot_admin(
        bot,
        business_hours_timezone="America/New_York",
        **{
            "business_hours-TOTAL_FORMS": 1,
            "business_hours-0-weekday": 0,
            "business_hours-0-opens": "09:00",
            "business_hours-0-closes": "17:00",
            "holidays-TOTAL_FORMS": 1,
            "holidays-0-date": "2026-12-25",
            "holidays-0-name": "Christmas",
        },
    )

    assert response.status_code == 302
    bot.refresh_from_db()
    assert bot.business_hours_timezone == "America/New_York"
    assert BusinessHours.objects.filter(bot=bot).count() == 1
    assert Holiday.objects.filter(bot=bot, name="Christmas").exists()
