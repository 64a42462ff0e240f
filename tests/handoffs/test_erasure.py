"""Erasing an end user: every row about them goes, with their events, in one transaction."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from agents.errors import Forbidden, NotFound
from agents.models import Membership
from handoffs import services
from handoffs.models import (
    Conversation,
    EndUser,
    Event,
    Handoff,
    Message,
    Note,
    Notification,
)
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user_conversations(bot, agent):
    """Two threads of one user, one with a handoff, a note and notifications."""
    first = ConversationFactory(end_user__bot=bot, end_user__external_id="ada", thread_id="a")
    second = ConversationFactory(end_user=first.end_user, thread_id="b")
    for conversation in (first, second):
        services.message_ingest(
            bot=bot, channel="web", user_id="ada", thread_id=conversation.thread_id, text="hi"
        )
    handoff, _ = services.handoff_request(conversation=first)
    services.handoff_assign(handoff=handoff, agent=agent)
    services.note_add(conversation=first, author=agent, text="note")
    return [first, second]


def erase(bot, user_id: str = "ada", membership: Membership | None = None) -> None:
    services.end_user_erase(bot=bot, user_id=user_id, channel=None, membership=membership)


def test_it_erases_every_row_of_the_user(bot, user_conversations):
    ids = [c.pk for c in user_conversations]
    assert Notification.objects.filter(conversation_id__in=ids).exists()

    erase(bot)

    assert not EndUser.objects.filter(external_id="ada").exists()
    assert not Conversation.objects.filter(pk__in=ids).exists()
    assert not Message.objects.filter(conversation_id__in=ids).exists()
    assert not Note.objects.filter(conversation_id__in=ids).exists()
    assert not Handoff.objects.filter(conversation_id__in=ids).exists()
    assert not Notification.objects.filter(conversation_id__in=ids).exists()


def test_only_the_deletion_and_erasure_events_are_left(bot, user_conversations):
    erase(bot)

    left = list(Event.objects.filter(bot=bot).values_list("type", "payload"))
    assert [type for type, _ in left] == [
        "conversation.deleted",
        "conversation.deleted",
        "user.erased",
    ]
    assert left[-1][1] == {"id": "ada", "userId": "ada", "channel": "web"}


def test_events_of_a_conversation_deleted_earlier_go_too(bot, agent, user_conversations):
    bot.enable_conversation_deletion = True
    bot.save()
    earlier = user_conversations[1]
    services.conversation_delete(conversation=earlier, actor=agent)
    assert Event.objects.filter(conversation_id=earlier.pk).exists()

    erase(bot)

    assert not Event.objects.filter(conversation_id=earlier.pk).exists()


def test_the_workspaces_agents_keep_their_own_events(bot, agent, user_conversations):
    services.agent_set_online(membership=Membership.objects.get(user=agent), online=False)

    erase(bot)

    assert Event.objects.filter(type="agent.updated").exists()


def test_an_agent_may_not(bot, agent, user_conversations):
    with pytest.raises(Forbidden):
        erase(bot, membership=Membership.objects.get(user=agent))

    assert EndUser.objects.filter(external_id="ada").exists()


def test_an_admin_may(bot, admin, user_conversations):
    erase(bot, membership=Membership.objects.get(user=admin))

    assert not EndUser.objects.filter(external_id="ada").exists()


def test_an_unknown_user_is_not_found(bot):
    with pytest.raises(NotFound):
        erase(bot, user_id="nobody")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_of_two_erasures_at_once_one_erases_and_the_other_finds_nobody(bot, user_conversations):
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            barrier.wait()
            erase(bot)
            outcomes.append("erased")
        except NotFound:
            outcomes.append("not found")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["erased", "not found"]
    assert Event.objects.filter(type="user.erased").count() == 1
