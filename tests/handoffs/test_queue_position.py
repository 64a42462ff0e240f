"""Queue position for the user: told on request, then again as the line moves, rate-limited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from handoffs import services
from handoffs.models import Message
from handoffs.services.queue_position import queue_positions_announce
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def telling_bot(bot):
    bot.queue_position_updates = True
    bot.queue_position_message = {
        "en": "You are number {{position}} in line (about {{estimatedWait}} min).",
        "fr": "Vous êtes numéro {{position}}.",
    }
    bot.save()
    return bot


def request(bot, clock, count: int, **user):
    handoffs = []
    for _ in range(count):
        conversation = ConversationFactory(end_user__bot=bot, **user)
        handoffs.append(services.handoff_request(conversation=conversation)[0])
        clock.shift(timedelta(seconds=1))
    return handoffs


def told(handoff) -> list[str]:
    return list(
        Message.objects.filter(
            conversation=handoff.conversation, payload__queuePosition__isnull=False
        )
        .order_by("id")
        .values_list("text", flat=True)
    )


def test_the_user_hears_their_place_on_request(clock, telling_bot):
    *_, third = request(telling_bot, clock, 3)
    assert told(third) == ["You are number 3 in line (about ? min)."]


def test_in_the_users_language(clock, telling_bot):
    (handoff,) = request(telling_bot, clock, 1, end_user__variables={"language": "fr"})
    assert told(handoff) == ["Vous êtes numéro 1."]


def test_off_by_default(clock, bot):
    (handoff,) = request(bot, clock, 1)
    assert told(handoff) == []
    assert queue_positions_announce() == 0


def test_the_sweep_tells_a_better_place(clock, telling_bot, agent):
    first, _, third = request(telling_bot, clock, 3)
    services.handoff_assign(handoff=first, agent=agent)
    clock.shift(timedelta(minutes=2))

    assert queue_positions_announce() == 2
    assert told(third)[-1].startswith("You are number 2 in line")


def test_rate_limited_by_the_interval(clock, telling_bot, agent):
    first, _, third = request(telling_bot, clock, 3)
    services.handoff_assign(handoff=first, agent=agent)
    clock.shift(timedelta(seconds=10))

    assert queue_positions_announce() == 0
    assert len(told(third)) == 1


def test_only_a_move_by_the_step_is_told(clock, telling_bot, agent):
    telling_bot.queue_position_step = 2
    telling_bot.save()
    first, _, third = request(telling_bot, clock, 3)
    services.handoff_assign(handoff=first, agent=agent)
    clock.shift(timedelta(minutes=2))

    assert queue_positions_announce() == 0
    assert len(told(third)) == 1


def test_told_once_by_two_passes(clock, telling_bot, agent):
    first, *_ = request(telling_bot, clock, 3)
    services.handoff_assign(handoff=first, agent=agent)
    clock.shift(timedelta(minutes=2))

    assert queue_positions_announce() + queue_positions_announce() == 2


def test_the_sweep_reads_only_the_first_places(clock, telling_bot, agent, settings):
    settings.HITL = {**settings.HITL, "QUEUE_POSITION_WINDOW": 2}
    first, second, third, fourth = request(telling_bot, clock, 4)
    services.handoff_assign(handoff=first, agent=agent)
    clock.shift(timedelta(minutes=2))

    queue_positions_announce()

    assert len(told(second)) == 2
    assert len(told(fourth)) == 1  # now third, outside the window of two


def test_estimated_wait_from_the_recent_pace(clock, telling_bot, agent, other_agent):
    first, second = request(telling_bot, clock, 2)
    services.handoff_assign(handoff=first, agent=agent)
    services.handoff_assign(handoff=second, agent=other_agent)
    clock.shift(timedelta(minutes=1))

    *_, third = request(telling_bot, clock, 3)

    # Two taken in the last hour: 30 minutes a place.
    assert told(third) == ["You are number 3 in line (about 90 min)."]


def test_an_auto_assigned_handoff_hears_no_place(clock, telling_bot, agent):
    telling_bot.auto_assign = True
    telling_bot.save()
    (handoff,) = request(telling_bot, clock, 1)
    assert told(handoff) == []


def test_a_more_pressing_handoff_is_told_its_place_ahead_of_older_ones(clock, telling_bot):
    request(telling_bot, clock, 2)
    conversation = ConversationFactory(end_user__bot=telling_bot)

    urgent, _ = services.handoff_request(conversation=conversation, priority="urgent")

    # The queue is by priority, then age, as the handoff's own queuePosition says.
    assert told(urgent) == ["You are number 1 in line (about ? min)."]
