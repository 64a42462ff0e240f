"""An agent removed from a workspace, or deactivated, stops following it at once: their sockets
close and reconnect to what they may still see, and their handoffs go back to the queue."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async as db

from agents.models import Membership
from handoffs import services
from handoffs.models import Event, Handoff
from handoffs.realtime.consumers import CLOSE_ACCESS_CHANGED
from tests.factories import BotFactory, ConversationFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene(db):
    bot = BotFactory()
    leaving = MembershipFactory(workspace=bot.workspace)
    handoff, _ = services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))
    services.handoff_assign(handoff=handoff, agent=leaving.user)
    return bot, leaving, handoff


async def closed_with(socket) -> int | None:
    while True:
        output = await socket.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            return output.get("code")


async def test_removing_an_agent_closes_their_socket_and_requeues_their_handoff(connect, scene):
    bot, leaving, handoff = scene
    socket = await connect(leaving.user)

    await db(leaving.delete)()  # as the admin's delete does

    assert await closed_with(socket) == CLOSE_ACCESS_CHANGED
    await db(handoff.refresh_from_db)()
    assert (handoff.status, handoff.agent_id) == ("pending", None)
    updated = await db(lambda: list(Event.objects.filter(type="handoff.updated").order_by("id")))()
    assert updated[-1].payload["status"] == "pending"
    # Reconnecting, the page is refused: it belongs to no workspace any more.
    again = await connect(leaving.user)
    assert await closed_with(again) == 4403


async def test_deactivating_an_account_closes_its_sockets(connect, scene):
    _, leaving, handoff = scene
    socket = await connect(leaving.user)
    user = leaving.user

    user.is_active = False
    await db(user.save)()

    assert await closed_with(socket) == CLOSE_ACCESS_CHANGED
    membership = await db(Membership.objects.get)(pk=leaving.pk)
    assert not membership.online
    assert (await db(Handoff.objects.get)(pk=handoff.pk)).status == "pending"


def test_saving_an_account_already_inactive_revokes_nothing_again(scene):
    _, leaving, _ = scene
    user = leaving.user
    user.is_active = False
    user.save()
    before = Event.objects.count()

    user.first_name = "Renamed"
    user.save()

    assert Event.objects.count() == before


async def test_other_agents_keep_their_sockets(connect, scene):
    bot, leaving, _ = scene
    staying = await db(lambda: MembershipFactory(workspace=bot.workspace).user)()
    socket = await connect(staying)

    await db(leaving.delete)()

    event = await socket.receive_json_from(timeout=3)
    assert event["type"] in {"agent.updated", "handoff.updated"}


def test_deleting_an_account_puts_its_handoffs_back_in_the_queue(scene):
    _, leaving, handoff = scene

    leaving.user.delete()

    handoff.refresh_from_db()
    assert (handoff.status, handoff.agent_id) == ("pending", None)


def test_deleting_a_workspace_with_its_members_still_works(scene):
    bot, _, _ = scene

    bot.workspace.delete()

    assert not Handoff.objects.exists()


async def test_a_socket_that_missed_the_news_gets_it_from_the_outbox(connect, scene, settings):
    """The live publish dropped (a Redis restart, say): the outbox catch-up closes it."""
    from unittest import mock

    from handoffs.realtime import publisher

    _, leaving, _ = scene
    settings.HITL = {**settings.HITL, "STREAM_CATCHUP_SECONDS": 0.2}
    socket = await connect(leaving.user)

    with mock.patch.object(publisher, "publish"), mock.patch.object(publisher, "access_changed"):
        await db(leaving.delete)()

    assert await closed_with(socket) == CLOSE_ACCESS_CHANGED


async def test_back_in_the_workspace_the_page_is_not_closed_again(connect, scene):
    bot, leaving, _ = scene
    socket = await connect(leaving.user)
    await db(leaving.delete)()
    frames = []
    while (output := await socket.receive_output(timeout=3))["type"] != "websocket.close":
        frames.append(output["text"])
    seen = max(json.loads(frame)["id"] for frame in frames)
    back = await db(lambda: MembershipFactory(workspace=bot.workspace, user=leaving.user))()

    again = await connect(back.user, query=f"after={seen}")

    assert await again.receive_nothing(timeout=0.5)
