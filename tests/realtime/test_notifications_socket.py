"""Notifications travel on the agent's own group: live and in replay, nobody else sees them."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async as db

from handoffs import services
from handoffs.models import Event, Notification
from handoffs.realtime import publisher
from tests.factories import BotFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene(db):
    bot = BotFactory()
    alice = MembershipFactory(workspace=bot.workspace).user
    bob = MembershipFactory(workspace=bot.workspace).user
    return bot, alice, bob


def notify_one(bot, user, message: str = "for you") -> Notification:
    (notification,) = services.notify(
        workspace_id=bot.workspace_id,
        recipient_ids=[user.pk],
        kind=Notification.Kind.CUSTOM,
        message=message,
        bot=bot,
    )
    return notification


async def next_notification(communicator) -> dict:
    while True:
        event = await communicator.receive_json_from(timeout=3)
        if event["type"] == "notification.created":
            return event


def test_a_private_event_goes_to_its_agents_group_only(scene):
    bot, alice, _ = scene
    notify_one(bot, alice)
    event = Event.objects.get(type="notification.created")

    assert publisher.groups_for(event) == [f"agent-{alice.pk}"]


async def test_the_recipient_gets_it_live_and_colleagues_do_not(connect, scene):
    bot, alice, bob = scene
    alices = await connect(alice)
    bobs = await connect(bob)

    notification = await db(notify_one)(bot, alice)

    event = await next_notification(alices)
    assert event["resource"] == "notification"
    assert event["botId"] == bot.bot_id
    assert event["payload"]["id"] == notification.pk
    assert event["payload"]["message"] == "for you"
    assert await bobs.receive_nothing(timeout=0.3)


async def test_an_agent_of_another_workspace_gets_nothing(connect, scene):
    bot, alice, _ = scene
    stranger = await db(lambda: MembershipFactory().user)()
    theirs = await connect(stranger)

    await db(services.notification_create_custom)(bot=bot, message="to the team")

    assert await theirs.receive_nothing(timeout=0.3)


async def test_a_new_handoff_rings_every_agent_each_with_their_own(connect, scene):
    bot, alice, bob = scene
    from tests.factories import ConversationFactory

    conversation = await db(ConversationFactory)(end_user__bot=bot)
    alices = await connect(alice)
    bobs = await connect(bob)

    await db(services.handoff_request)(conversation=conversation)

    for user, communicator in ((alice, alices), (bob, bobs)):
        event = await next_notification(communicator)
        mine = await db(Notification.objects.get)(recipient=user)
        assert event["payload"]["id"] == mine.pk
        assert event["payload"]["kind"] == "handoff_new"
        # Exactly one: the colleague's copy never reaches this socket.
        while not await communicator.receive_nothing(timeout=0.2):
            assert (await communicator.receive_json_from())["type"] != "notification.created"


async def test_replay_gives_an_agent_their_own_notifications_only(connect, scene):
    bot, alice, bob = scene
    await db(services.message_ingest)(bot=bot, channel="web", user_id="u1", text="shared")
    for_alice = await db(notify_one)(bot, alice, "alice's")
    for_bob = await db(notify_one)(bot, bob, "bob's")

    alices = await connect(alice, "after=0")
    bobs = await connect(bob, "after=0")

    for communicator, mine in ((alices, for_alice), (bobs, for_bob)):
        shared = await communicator.receive_json_from(timeout=3)
        own = await communicator.receive_json_from(timeout=3)
        assert shared["type"] == "message.created"
        assert (own["type"], own["payload"]["id"]) == ("notification.created", mine.pk)
        assert await communicator.receive_nothing(timeout=0.3)
