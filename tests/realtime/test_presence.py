"""Presence: the socket and activity keep an agent online; silence or leaving takes them off."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from channels.db import database_sync_to_async as db
from django.core.management import call_command
from django.utils import timezone

from agents.models import Membership, SocketLease
from handoffs import services
from handoffs.realtime import presence
from tests.factories import BotFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def membership(db):
    bot = BotFactory(agent_session_timeout=timedelta(minutes=10))
    membership = MembershipFactory(workspace=bot.workspace, online=False)
    return services.agent_set_online(membership=membership, online=True)


def sweep_at(moment) -> Membership:
    """The worker's sweep at `moment`, this test process serving the sockets alive meanwhile:
    it renewed their leases, as a running server process does every few seconds."""
    with time_machine.travel(moment, tick=False):
        services.socket_leases_renew(process=presence.PROCESS)
        call_command("sweep", "--once", stdout=StringIO())


def is_online(membership: Membership) -> bool:
    membership.refresh_from_db()
    return membership.online


def leases_of(user) -> int:
    return SocketLease.objects.filter(user=user).count()


async def test_a_socket_holds_a_lease_while_open(connect, membership):
    communicator = await connect(membership.user)
    assert await db(leases_of)(membership.user) == 1

    await communicator.disconnect()

    assert await db(leases_of)(membership.user) == 0
    await db(membership.refresh_from_db)()
    assert membership.sockets_closed_at is not None


async def test_agent_with_a_socket_goes_offline_after_the_session_timeout(connect, membership):
    await connect(membership.user)
    start = timezone.now()

    await db(sweep_at)(start + timedelta(minutes=9))
    assert await db(is_online)(membership)

    await db(sweep_at)(start + timedelta(minutes=11))
    assert not await db(is_online)(membership)


async def test_activity_on_the_socket_keeps_the_agent_online(connect, membership):
    communicator = await connect(membership.user)
    start = timezone.now()

    with time_machine.travel(start + timedelta(minutes=8), tick=False):
        await communicator.send_json_to({"type": "activity"})
        await communicator.send_json_to({"type": "ping"})
        await communicator.receive_json_from(timeout=3)

    await db(sweep_at)(start + timedelta(minutes=16))
    assert await db(is_online)(membership)


async def test_closing_the_last_socket_takes_the_agent_offline_after_a_grace(connect, membership):
    communicator = await connect(membership.user)
    await communicator.disconnect()
    closed_at = timezone.now()

    await db(sweep_at)(closed_at + timedelta(seconds=30))
    assert await db(is_online)(membership)

    await db(sweep_at)(closed_at + timedelta(seconds=90))
    assert not await db(is_online)(membership)


async def test_going_offline_is_an_agent_updated_event(connect, membership):
    watcher = await connect(
        await db(lambda: MembershipFactory(workspace=membership.workspace).user)()
    )
    await db(sweep_at)(timezone.now() + timedelta(hours=1))

    event = await watcher.receive_json_from(timeout=3)
    assert event["type"] == "agent.updated"
    assert event["payload"]["agentId"] == membership.user_id
    assert event["payload"]["online"] is False


def test_an_agent_on_the_api_alone_stays_online_through_the_session(membership):
    """A client written for Botpress HITL-next opens no socket: only silence counts."""
    from django.test import Client

    bot = membership.workspace.bots.get()
    client = Client()
    client.force_login(membership.user)
    start = timezone.now()

    sweep_at(start + timedelta(minutes=2))
    assert is_online(membership)

    with time_machine.travel(start + timedelta(minutes=8), tick=False):
        assert client.get(f"/api/v1/bots/{bot.bot_id}/mod/hitlnext/handoffs").status_code == 200
    sweep_at(start + timedelta(minutes=16))
    assert is_online(membership)

    sweep_at(start + timedelta(minutes=19))
    assert not is_online(membership)


async def test_a_page_closed_long_ago_does_not_count_once_back_on_the_api(connect, membership):
    communicator = await connect(membership.user)
    await communicator.disconnect()
    await db(sweep_at)(timezone.now() + timedelta(minutes=2))
    assert not await db(is_online)(membership)

    back = await db(services.agent_set_online)(membership=membership, online=True)

    await db(sweep_at)(back.last_seen_at + timedelta(minutes=2))
    assert await db(is_online)(membership)
