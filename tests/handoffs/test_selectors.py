"""Shared reads: the handoff list's order and what it prefetches, the user lookup."""

from __future__ import annotations

import pytest

from agents.errors import ApplicationError, NotFound
from handoffs import selectors, services
from handoffs.models import Handoff
from handoffs.models.handoffs import HISTORY_RANK, PRIORITIES, QUEUE_RANKS
from tests.factories import BotFactory, ConversationFactory, EndUserFactory

pytestmark = pytest.mark.django_db


def request_handoff(bot):
    handoff, _ = services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))
    return handoff


def test_list_order_is_queue_then_work_then_history(bot, agent):
    closed, assigned, pending = (request_handoff(bot) for _ in range(3))
    services.handoff_reject(handoff=closed, actor=None)
    services.handoff_assign(handoff=assigned, agent=agent)

    listed = list(selectors.handoff_list(bot=bot))

    assert listed == [pending, assigned, closed]


def test_list_order_follows_status_changes(bot, agent):
    first, second, third, fourth = (request_handoff(bot) for _ in range(4))
    services.handoff_assign(handoff=first, agent=agent)
    services.handoff_assign(handoff=second, agent=agent)
    services.handoff_requeue(handoff=first, actor=agent)
    services.handoff_resolve(handoff=second, actor=agent)
    services.handoff_expire(handoff=third)
    services.handoff_assign(handoff=fourth, agent=agent)

    listed = list(selectors.handoff_list(bot=bot))

    assert listed == [first, fourth, second, third]
    # A pending handoff of normal priority, then assigned, then closed ones.
    normal = PRIORITIES.index("normal")
    assert [h.queue_rank for h in listed] == [normal, QUEUE_RANKS["assigned"], *[HISTORY_RANK] * 2]


def test_list_order_follows_a_status_written_outside_the_services(bot):
    first, second = request_handoff(bot), request_handoff(bot)
    Handoff.objects.filter(pk=first.pk).update(status=Handoff.Status.EXPIRED)

    assert list(selectors.handoff_list(bot=bot)) == [second, first]


def test_the_last_user_message_comes_with_the_list(bot, django_assert_num_queries):
    handoff = request_handoff(bot)
    user_id = handoff.conversation.end_user.external_id
    for direction, text in (("incoming", "first"), ("incoming", "last"), ("outgoing", "bot")):
        services.message_ingest(
            bot=bot, channel="web", user_id=user_id, direction=direction, text=text
        )

    listed = selectors.handoff_list(bot=bot).get()

    with django_assert_num_queries(0):
        assert listed.conversation.last_user_message.text == "last"


def test_handoff_get_refuses_another_bots_handoff(bot, workspace):
    other = request_handoff(BotFactory(workspace=workspace))

    with pytest.raises(NotFound):
        selectors.handoff_get(bot=bot, handoff_id=other.pk)


def test_a_user_id_on_two_channels_is_ambiguous(bot):
    EndUserFactory(bot=bot, external_id="ada", channel="web")
    EndUserFactory(bot=bot, external_id="ada", channel="messenger")

    with pytest.raises(ApplicationError) as error:
        selectors.end_user_get(bot=bot, external_id="ada")

    assert error.value.code == "ambiguous_user"
    assert selectors.end_user_get(bot=bot, external_id="ada", channel="web").channel == "web"


def test_a_known_users_conversation_is_found_only_by_its_own_keys(bot, workspace):
    from handoffs.models import Bot
    from handoffs.selectors import conversation_of_known_user

    other_bot = Bot.objects.create(workspace=workspace, bot_id="other-bot", name="Other")
    web = services.conversation_for_user(bot=bot, channel="web", user_id="u1", thread_id="")
    thread = services.conversation_for_user(bot=bot, channel="web", user_id="u1", thread_id="t")
    services.conversation_for_user(bot=bot, channel="api", user_id="u1", thread_id="")
    services.conversation_for_user(bot=other_bot, channel="web", user_id="u1", thread_id="")

    def find(**keys):
        return conversation_of_known_user(**{"bot": bot, "channel": "web", "thread_id": "", **keys})

    assert find(user_id="u1") == web
    assert find(user_id="u1", thread_id="t") == thread
    assert find(user_id="u1").end_user.external_id == "u1"
    assert find(user_id="u2") is None
    assert find(user_id="u1", thread_id="nope") is None
    assert find(user_id="u1", channel="messenger") is None
    assert (
        conversation_of_known_user(bot=other_bot, channel="web", user_id="u1", thread_id="") != web
    )
    # Names from the outside world are data, never SQL.
    assert find(user_id="u1' OR '1'='1") is None
