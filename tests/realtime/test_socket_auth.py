"""The workspace socket's user comes from its session cookie, read once the consumer goes to
the database (hitl_project.socket_auth), with Channels' checks: through the whole ASGI stack."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async as db
from channels.testing import WebsocketCommunicator
from django.test import Client

from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


async def close_code(cookie: str) -> int | None:
    from hitl_project.asgi import application

    communicator = WebsocketCommunicator(
        application,
        "/ws/workspace/",
        headers=[
            (b"cookie", cookie.encode()),
            (b"origin", b"http://testserver"),
            (b"host", b"testserver"),
        ],
    )
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"type": "ping"})
    output = await communicator.receive_output(timeout=3)
    await communicator.disconnect()
    return output.get("code") if output["type"] == "websocket.close" else None


def signed_in(**changes) -> str:
    user = MembershipFactory().user
    client = Client()
    client.force_login(user)
    for name, value in changes.items():
        setattr(user, name, value)
    user.save()
    return f"sessionid={client.cookies['sessionid'].value}"


async def test_a_signed_in_agent_opens_the_socket():
    assert await close_code(await db(signed_in)()) is None


async def test_a_deactivated_account_is_refused():
    assert await close_code(await db(signed_in)(is_active=False)) == 4401


async def test_a_session_from_before_a_password_change_is_refused():
    assert await close_code(await db(signed_in)(password="another hash")) == 4401


async def test_no_session_and_an_unknown_one_are_refused():
    assert await close_code("") == 4401
    assert await close_code("sessionid=an-unknown-key-of-forty-characters-000000") == 4401
