"""The agents' WebSocket: who may connect, and that every state change arrives live."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async as db
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from handoffs import services
from handoffs.realtime.consumers import WorkspaceConsumer
from tests.factories import BotFactory, ConversationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


async def next_event(communicator: WebsocketCommunicator) -> dict:
    return await communicator.receive_json_from(timeout=3)


async def next_of_type(communicator: WebsocketCommunicator, type: str, **payload) -> dict:
    """The next event of that type whose payload has those values; others are skipped."""
    while True:
        event = await next_event(communicator)
        if event["type"] == type and all(event["payload"].get(k) == v for k, v in payload.items()):
            return event


@pytest.fixture
def scene(db):
    bot = BotFactory()
    agent = MembershipFactory(workspace=bot.workspace).user
    conversation = ConversationFactory(end_user__bot=bot)
    return bot, agent, conversation


async def test_anonymous_is_closed_with_4401():
    communicator = WebsocketCommunicator(WorkspaceConsumer.as_asgi(), "/ws/workspace/")
    communicator.scope["user"] = AnonymousUser()
    await communicator.connect()

    closed = await communicator.receive_output(timeout=3)

    assert closed == {"type": "websocket.close", "code": 4401}


async def test_user_without_workspace_is_closed_with_4403(connect):
    user = await db(UserFactory)()
    communicator = await connect(user)

    closed = await communicator.receive_output(timeout=3)

    assert closed == {"type": "websocket.close", "code": 4403}


async def test_member_receives_handoff_created_with_the_envelope(connect, scene):
    bot, agent, conversation = scene
    communicator = await connect(agent)

    handoff, _ = await db(services.handoff_request)(conversation=conversation)

    event = await next_event(communicator)
    assert set(event) == {"id", "type", "botId", "resource", "payload", "createdAt"}
    assert event["type"] == "handoff.created"
    assert event["botId"] == bot.bot_id
    assert event["resource"] == "handoff"
    assert event["payload"]["id"] == handoff.pk


async def test_member_receives_every_kind_of_event(connect, scene):
    bot, agent, conversation = scene
    communicator = await connect(agent)

    handoff, _ = await db(services.handoff_request)(conversation=conversation)
    await next_of_type(communicator, "handoff.created")
    await db(services.handoff_assign)(handoff=handoff, agent=agent)
    assigned = await next_of_type(communicator, "handoff.updated")
    await db(services.message_ingest)(
        bot=bot, channel="web", user_id=conversation.end_user.external_id, text="still there?"
    )
    message = await next_of_type(communicator, "message.created", direction="incoming")
    await db(services.note_add)(conversation=conversation, author=agent, text="VIP")
    note = await next_of_type(communicator, "note.created")
    membership = await db(agent.memberships.get)()
    await db(services.agent_set_online)(membership=membership, online=False)
    presence = await next_of_type(communicator, "agent.updated")

    assert assigned["payload"]["status"] == "assigned"
    assert message["payload"]["text"] == "still there?"
    assert note["payload"]["content"] == "VIP"
    assert presence["payload"] == {**presence["payload"], "agentId": agent.pk, "online": False}


async def test_member_of_another_workspace_receives_nothing(connect, scene):
    _, agent, conversation = scene
    stranger = await db(lambda: MembershipFactory().user)()
    mine = await connect(agent)
    theirs = await connect(stranger)

    await db(services.handoff_request)(conversation=conversation)

    await next_of_type(mine, "handoff.created")
    assert await theirs.receive_nothing(timeout=0.3)


async def test_rolled_back_transaction_publishes_nothing(connect, scene):
    from django.db import transaction

    _, agent, conversation = scene
    communicator = await connect(agent)

    def request_then_fail() -> None:
        with transaction.atomic():
            services.handoff_request(conversation=conversation)
            raise RuntimeError("caller failed")

    with pytest.raises(RuntimeError):
        await db(request_then_fail)()

    assert await communicator.receive_nothing(timeout=0.3)


async def test_typing_reaches_other_agents_and_is_not_stored(connect, scene):
    from handoffs.models import Event

    bot, agent, conversation = scene
    colleague = await db(lambda: MembershipFactory(workspace=bot.workspace).user)()
    typist = await connect(agent)
    watcher = await connect(colleague)
    before = await db(Event.objects.count)()

    await typist.send_json_to({"type": "typing", "conversationId": conversation.pk})

    event = await next_event(watcher)
    assert event == {
        "type": "typing",
        "conversationId": conversation.pk,
        "agent": {"agentId": agent.pk, "name": agent.agent_profile.display_name},
        "typing": True,
    }
    assert await db(Event.objects.count)() == before


async def test_bad_messages_get_an_error_and_the_socket_stays(connect, scene):
    _, agent, _ = scene
    communicator = await connect(agent)

    await communicator.send_to(text_data="{not json")
    assert (await next_event(communicator))["type"] == "error"
    await communicator.send_json_to([1, 2])
    assert (await next_event(communicator))["type"] == "error"
    await communicator.send_json_to({"type": "typing", "conversationId": "x" * 10_000})
    assert (await next_event(communicator))["type"] == "error"
    await communicator.send_json_to({"type": "ping"})
    assert await next_event(communicator) == {"type": "pong"}


async def test_typing_in_another_workspace_is_refused(connect, scene):
    _, agent, _ = scene
    elsewhere = await db(ConversationFactory)()
    communicator = await connect(agent)

    await communicator.send_json_to({"type": "typing", "conversationId": elsewhere.pk})

    assert (await next_event(communicator))["type"] == "error"
