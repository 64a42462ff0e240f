"""Random JSON at the agents' WebSocket: errors come back, the consumer never dies, nothing is
stored."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handoffs.models import Event, Message
from handoffs.realtime.consumers import WorkspaceConsumer
from tests.factories import BotFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)
# Messages that look like ours, with wrong types and odd values where it matters.
frames = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"type": st.sampled_from(["typing", "activity", "ping", "online", ""])},
        optional={"conversationId": json_values, "typing": json_values},
    ),
)


async def exchange(user, payloads: list) -> list[dict]:
    communicator = WebsocketCommunicator(WorkspaceConsumer.as_asgi(), "/ws/workspace/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    replies = []
    try:
        for payload in payloads:
            await communicator.send_to(text_data=json.dumps(payload))
        # A ping after the noise proves the consumer still answers.
        await communicator.send_json_to({"type": "ping"})
        pongs_due = 1 + sum(1 for p in payloads if isinstance(p, dict) and p.get("type") == "ping")
        while pongs_due:
            reply = await communicator.receive_json_from(timeout=5)
            replies.append(reply)
            pongs_due -= reply == {"type": "pong"}
    finally:
        await communicator.disconnect()
    return replies


@pytest.fixture
def agent(db):
    return MembershipFactory(workspace=BotFactory().workspace).user


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(payloads=st.lists(frames, max_size=5))
def test_random_frames_never_crash_the_consumer(agent, payloads):
    events_before = Event.objects.count()

    replies = async_to_sync(exchange)(agent, payloads)

    assert replies[-1] == {"type": "pong"}
    for reply in replies:
        assert reply.get("type") in {"pong", "error", "typing"}
    # Typing to an unknown conversation is refused; nothing here writes to the database.
    assert Event.objects.count() == events_before
    assert not Message.objects.exists()


def test_oversized_and_binary_frames_are_refused(agent):
    async def scenario() -> list[dict]:
        communicator = WebsocketCommunicator(WorkspaceConsumer.as_asgi(), "/ws/workspace/")
        communicator.scope["user"] = agent
        await communicator.connect()
        await communicator.send_to(text_data="x" * 1_000_000)
        await communicator.send_to(bytes_data=b"\x00\xff")
        await communicator.send_json_to({"type": "ping"})
        replies = [await communicator.receive_json_from(timeout=5) for _ in range(3)]
        await communicator.disconnect()
        return replies

    replies = async_to_sync(scenario)()

    assert [r["type"] for r in replies] == ["error", "error", "pong"]
