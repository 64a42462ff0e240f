"""A web process killed while it holds an agent's only socket: its lease is no longer renewed,
and the agent goes offline within the grace plus one sweep, instead of for the session."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import websockets
from django.test import Client

from agents.models import Membership, SocketLease
from handoffs import services
from handoffs.services.agents import SOCKET_GRACE, SOCKET_LEASE_TTL
from tests.factories import BotFactory, MembershipFactory
from tests.servers import Daphne

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_an_agent_whose_server_was_killed_goes_offline_after_the_grace():
    bot = BotFactory(agent_session_timeout=timedelta(hours=8))
    membership = MembershipFactory(workspace=bot.workspace, online=True)
    client = Client()
    client.force_login(membership.user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    server = Daphne().start()
    try:

        async def open_and_crash() -> None:
            ws_url = server.url.replace("http", "ws") + "/ws/workspace/"
            async with websockets.connect(
                ws_url, additional_headers={"Cookie": cookie}, origin=server.url
            ):
                await asyncio.to_thread(server.kill)  # SIGKILL: no close, no goodbye

        asyncio.run(open_and_crash())
    finally:
        server.stop()
    lease = SocketLease.objects.get(user=membership.user)
    last_sign = lease.renewed_at

    # Still within the lease: for all the sweep can tell, the socket is open.
    services.agents_sweep_offline(now=last_sign + SOCKET_LEASE_TTL - timedelta(seconds=1))
    assert Membership.objects.get(pk=membership.pk).online
    # The lease expired: the socket closed when its process last vouched for it; the grace
    # runs from then, not from this sweep.
    services.agents_sweep_offline(now=last_sign + SOCKET_GRACE - timedelta(seconds=1))
    assert Membership.objects.get(pk=membership.pk).online

    services.agents_sweep_offline(now=last_sign + SOCKET_GRACE + timedelta(seconds=1))

    assert not Membership.objects.get(pk=membership.pk).online
    assert not SocketLease.objects.filter(user=membership.user).exists()
