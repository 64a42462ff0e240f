"""Issue 19, item 3: an agent's socket ends with its session. A logout closes that session's
sockets (not the agent's other sessions'), a password change closes every other session's, and
a session that ends with no news at all (deleted, expired) is caught by the periodic check."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from django.contrib.sessions.models import Session
from django.test import Client

from tests.factories import BotFactory, MembershipFactory
from tests.servers import Daphne

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLOSE_UNAUTHENTICATED = 4401


@pytest.fixture
def agent():
    bot = BotFactory()
    user = MembershipFactory(workspace=bot.workspace).user
    user.set_password("an old password 1")
    user.save()
    return user


def logged_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password="an old password 1")
    return client


def cookie_of(client: Client) -> str:
    return f"sessionid={client.cookies['sessionid'].value}"


@pytest.fixture
def server():
    daphne = Daphne({"HITL_SESSION_RECHECK_SECONDS": "1"}).start()
    yield daphne
    daphne.stop()


async def open_socket(server: Daphne, cookie: str):
    socket = await websockets.connect(
        server.url.replace("http", "ws") + "/ws/workspace/",
        additional_headers={"Cookie": cookie},
        origin=server.url,
    )
    # The server has joined its groups and accepted once the first ping is answered.
    await socket.send(json.dumps({"type": "ping"}))
    assert json.loads(await asyncio.wait_for(socket.recv(), 10)) == {"type": "pong"}
    return socket


async def close_code(socket, timeout: float = 10) -> int | None:
    try:
        while True:
            await asyncio.wait_for(socket.recv(), timeout)
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    except TimeoutError:
        return None


def test_logout_closes_that_sessions_socket_and_no_other(server, agent):
    here, elsewhere = logged_in(agent), logged_in(agent)

    async def scenario() -> tuple[int | None, int | None]:
        mine = await open_socket(server, cookie_of(here))
        other = await open_socket(server, cookie_of(elsewhere))
        await asyncio.to_thread(here.post, "/accounts/logout/")
        closed = await close_code(mine)
        still = await close_code(other, timeout=3)
        await other.close()
        return closed, still

    assert asyncio.run(scenario()) == (CLOSE_UNAUTHENTICATED, None)


def test_a_password_change_elsewhere_ends_the_other_sessions_socket(server, agent):
    here, elsewhere = logged_in(agent), logged_in(agent)

    async def scenario() -> list[int | None]:
        other = await open_socket(server, cookie_of(elsewhere))
        changed = await asyncio.to_thread(
            here.post,
            "/accounts/password_change/",
            {
                "old_password": "an old password 1",
                "new_password1": "a new password 2",
                "new_password2": "a new password 2",
            },
        )
        assert changed.status_code == 302
        first = await close_code(other)
        # The page reconnects: its session no longer counts.
        again = await websockets.connect(
            server.url.replace("http", "ws") + "/ws/workspace/",
            additional_headers={"Cookie": cookie_of(elsewhere)},
            origin=server.url,
        )
        # The session that changed the password keeps working.
        kept = await open_socket(server, cookie_of(here))
        await kept.close()
        return [first, await close_code(again)]

    first, again = asyncio.run(scenario())
    assert first in (4409, CLOSE_UNAUTHENTICATED)
    assert again == CLOSE_UNAUTHENTICATED


def test_a_session_gone_without_news_is_caught_by_the_periodic_check(server, agent):
    here = logged_in(agent)
    key = here.cookies["sessionid"].value

    async def scenario() -> int | None:
        socket = await open_socket(server, cookie_of(here))
        await asyncio.to_thread(lambda: Session.objects.filter(session_key=key).delete())
        return await close_code(socket)

    assert asyncio.run(scenario()) == CLOSE_UNAUTHENTICATED
