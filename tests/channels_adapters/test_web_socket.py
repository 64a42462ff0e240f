"""The visitor's socket: own conversation only, live bot, agent and system messages."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async as db
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.cache import caches

from channels_adapters import services as adapter_services
from channels_adapters.models import ConnectorSettings
from channels_adapters.routing import websocket_urlpatterns
from handoffs import services
from handoffs.models import Conversation, Handoff, Message
from handoffs.realtime import publisher
from tests.factories import BotFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene(db):
    bot = BotFactory()
    ConnectorSettings.objects.create(bot=bot, demo_bot_enabled=True)
    agent = MembershipFactory(workspace=bot.workspace).user
    return bot, agent


@pytest.fixture
async def chat():
    """Open `/ws/chat/<bot>/` with a token; every socket opened is closed at the end."""
    opened: list[WebsocketCommunicator] = []

    async def open_socket(
        bot_id: str, token: str | None, query: str = "", headers: list | None = None
    ) -> WebsocketCommunicator:
        params = "&".join(p for p in (f"token={token}" if token else "", query) if p)
        communicator = WebsocketCommunicator(
            URLRouter(websocket_urlpatterns), f"/ws/chat/{bot_id}/?{params}", headers=headers
        )
        connected, _ = await communicator.connect()
        assert connected
        opened.append(communicator)
        return communicator

    yield open_socket
    for communicator in opened:
        await communicator.disconnect()


async def receive(communicator: WebsocketCommunicator) -> dict:
    return await communicator.receive_json_from(timeout=3)


async def next_message(communicator: WebsocketCommunicator, **fields) -> dict:
    """The next live message frame whose message has those values; other frames are skipped."""
    while True:
        frame = await receive(communicator)
        if frame["type"] == "message" and all(
            frame["message"].get(k) == v for k, v in fields.items()
        ):
            return frame["message"]


async def new_token(bot) -> str:
    return await db(adapter_services.web_token_new)(bot=bot)


async def test_a_new_visitor_gets_an_empty_history(chat, scene):
    bot, _ = scene
    socket = await chat(bot.bot_id, await new_token(bot))

    assert await receive(socket) == {"type": "history", "messages": []}


async def test_message_is_acknowledged_and_the_demo_bot_answers_live(chat, scene):
    bot, _ = scene
    socket = await chat(bot.bot_id, await new_token(bot))
    await receive(socket)

    await socket.send_json_to({"type": "message", "text": "Hello", "clientMessageId": "c1"})

    ack = await receive(socket)
    assert ack["type"] == "ack"
    assert ack["clientMessageId"] == "c1"
    assert ack["created"] is True
    assert ack["message"]["text"] == "Hello"
    mine = await next_message(socket, direction="incoming")
    reply = await next_message(socket, direction="outgoing")
    assert mine["id"] == ack["message"]["id"]
    assert reply["text"].startswith("Hi! I'm the demo bot.")


async def test_a_new_visitor_is_known_by_their_browsers_language(chat, scene):
    bot, _ = scene
    spanish = [(b"accept-language", b"es-MX,es;q=0.9")]
    socket = await chat(bot.bot_id, await new_token(bot), headers=spanish)
    await receive(socket)

    await socket.send_json_to({"type": "message", "text": "Hola"})
    await receive(socket)

    conversation = await db(Conversation.objects.select_related("end_user").get)(bot=bot)
    assert conversation.end_user.variables == {"language": "es-MX"}


async def test_the_same_client_id_twice_is_stored_once(chat, scene):
    bot, _ = scene
    socket = await chat(bot.bot_id, await new_token(bot))
    await receive(socket)
    frame = {"type": "message", "text": "Hello", "clientMessageId": "same"}

    await socket.send_json_to(frame)
    first = await receive(socket)
    await socket.send_json_to(frame)
    while (again := await receive(socket))["type"] != "ack":
        pass

    assert again["created"] is False
    assert again["message"]["id"] == first["message"]["id"]
    assert await db(Message.objects.filter(direction="incoming").count)() == 1


async def test_reconnecting_sends_the_history(chat, scene):
    bot, _ = scene
    token = await new_token(bot)
    first = await chat(bot.bot_id, token)
    await receive(first)
    await first.send_json_to({"type": "message", "text": "Hello"})
    await next_message(first, direction="outgoing")

    again = await chat(bot.bot_id, token)
    history = await receive(again)

    assert history["type"] == "history"
    assert [m["direction"] for m in history["messages"]] == ["incoming", "outgoing"]


async def test_history_after_an_id_skips_what_the_client_has(chat, scene):
    bot, _ = scene
    token = await new_token(bot)
    first = await chat(bot.bot_id, token)
    await receive(first)
    await first.send_json_to({"type": "message", "text": "Hello"})
    mine = (await receive(first))["message"]

    again = await chat(bot.bot_id, token, query=f"after={mine['id']}")
    history = await receive(again)

    assert [m["direction"] for m in history["messages"]] == ["outgoing"]


async def test_a_visitor_never_sees_another_visitors_conversation(chat, scene):
    bot, _ = scene
    alice = await chat(bot.bot_id, await new_token(bot))
    bob_token = await new_token(bot)
    bob = await chat(bot.bot_id, bob_token)
    await receive(alice)
    await receive(bob)
    await bob.send_json_to({"type": "message", "text": "Hello"})
    await next_message(bob, direction="outgoing")

    await alice.send_json_to({"type": "message", "text": "my own"})
    await next_message(alice, direction="outgoing")
    assert await alice.receive_nothing(timeout=0.3)
    # Bob's conversation, reconnecting with Alice's ... nothing: a forged token is refused.
    forged = await chat(bot.bot_id, bob_token.split(":")[0] + ":forged")
    assert await forged.receive_output(timeout=3) == {"type": "websocket.close", "code": 4403}


async def test_a_token_without_a_signature_is_closed_with_4403(chat, scene):
    bot, _ = scene
    socket = await chat(bot.bot_id, "web-someone")

    assert await socket.receive_output(timeout=3) == {"type": "websocket.close", "code": 4403}


async def test_no_token_is_closed_with_4403(chat, scene):
    bot, _ = scene
    socket = await chat(bot.bot_id, None)

    assert await socket.receive_output(timeout=3) == {"type": "websocket.close", "code": 4403}


async def test_unknown_bot_is_closed_with_4404(chat, scene):
    bot, _ = scene
    socket = await chat("nobody", await new_token(bot))

    assert await socket.receive_output(timeout=3) == {"type": "websocket.close", "code": 4404}


async def test_bad_frames_get_an_error_and_store_nothing(chat, scene):
    bot, _ = scene
    socket = await chat(bot.bot_id, await new_token(bot))
    await receive(socket)

    await socket.send_to(text_data="x" * 70_000)
    assert (await receive(socket))["code"] == "frame_too_large"
    await socket.send_to(text_data="{nope")
    assert (await receive(socket))["code"] == "invalid_json"
    await socket.send_json_to({"type": "message", "text": "y" * 10_001, "clientMessageId": "big"})
    error = await receive(socket)
    assert error == {**error, "type": "error", "code": "text_too_long", "clientMessageId": "big"}
    await socket.send_json_to({"type": "message", "text": "", "payload": {"x": "z" * 20_000}})
    assert (await receive(socket))["code"] == "payload_too_large"
    await socket.send_json_to({"type": "dance"})
    assert (await receive(socket))["code"] == "unknown_type"
    await socket.send_json_to({"type": "ping"})
    assert await receive(socket) == {"type": "pong"}

    assert await db(Message.objects.count)() == 0
    assert await db(bot.conversations.count)() == 0


async def test_the_whole_handoff_reaches_the_visitor_live(chat, scene):
    bot, agent = scene
    socket = await chat(bot.bot_id, await new_token(bot))
    await receive(socket)

    await socket.send_json_to({"type": "message", "text": "I need a human"})
    transfer = await next_message(socket, direction="system")
    assert transfer["text"] == "You are being transferred to an agent."

    handoff = await db(Handoff.objects.select_related("bot", "conversation").get)()
    await db(services.handoff_assign)(handoff=handoff, agent=agent)
    assigned = await next_message(socket, direction="system")
    name = agent.agent_profile.display_name
    assert assigned["text"] == f"You have been assigned to our agent {name}."
    assert assigned["payload"]["agent"] == {"name": name, "avatarUrl": None}

    await db(services.message_send_agent)(
        conversation=handoff.conversation, agent=agent, text="Hi, how can I help?"
    )
    said = await next_message(socket, direction="agent")
    assert said["text"] == "Hi, how can I help?"
    assert said["agent"] == {"name": name, "avatarUrl": None}

    await db(services.handoff_resolve)(handoff=handoff, actor=agent)
    rating = await next_message(socket, direction="outgoing")
    assert "How would you rate the help" in rating["text"]


async def test_agent_typing_reaches_the_visitor(chat, scene):
    bot, agent = scene
    socket = await chat(bot.bot_id, await new_token(bot))
    await receive(socket)
    await socket.send_json_to({"type": "message", "text": "human"})
    await next_message(socket, direction="system")
    conversation_id = await db(lambda: bot.conversations.get().pk)()

    await publisher.publish_typing(
        workspace_id=bot.workspace_id,
        conversation_id=conversation_id,
        agent={"agentId": agent.pk, "name": "Alex"},
        typing=True,
    )

    assert await receive(socket) == {"type": "typing", "agent": {"name": "Alex"}, "typing": True}


async def test_visitor_never_sees_usernames_or_delivery_details(chat, scene):
    bot, agent = scene
    socket = await chat(bot.bot_id, await new_token(bot))
    await receive(socket)
    await socket.send_json_to({"type": "message", "text": "human"})
    await next_message(socket, direction="system")
    handoff = await db(Handoff.objects.select_related("bot", "conversation").get)()

    await db(services.handoff_assign)(handoff=handoff, agent=agent)

    assigned = await next_message(socket, direction="system")
    assert set(assigned) == {"id", "direction", "type", "text", "payload", "agent", "createdAt"}
    assert agent.username not in str(assigned)


async def test_an_external_bots_reply_reaches_the_visitor_live(chat, scene):
    bot, _ = scene
    await db(ConnectorSettings.objects.filter(bot=bot).update)(demo_bot_enabled=False)
    token = await new_token(bot)
    socket = await chat(bot.bot_id, token)
    await receive(socket)
    await socket.send_json_to({"type": "message", "text": "Hi"})
    await next_message(socket, direction="incoming")
    user_id = await db(adapter_services.web_user_from_token)(bot=bot, token=token)

    # What POST .../channels/web/messages with "direction": "outgoing" does.
    await db(services.message_ingest)(
        bot=bot, channel="web", user_id=user_id, direction="outgoing", text="Hello from Rasa"
    )

    reply = await next_message(socket, direction="outgoing")
    assert reply["text"] == "Hello from Rasa"


async def test_a_message_after_the_bot_was_removed_is_refused_in_words(chat, scene):
    """Each message reads the bot as it is now, not as it was when the socket opened."""
    bot, _ = scene
    socket = await chat(bot.bot_id, await new_token(bot))
    await receive(socket)
    await db(bot.delete)()

    await socket.send_json_to({"type": "message", "text": "Hello?", "clientMessageId": "c1"})

    frame = await receive(socket)
    assert frame["type"] == "error"
    assert frame["code"] == "bot_not_found"
    assert frame["clientMessageId"] == "c1"


async def test_an_open_chat_keeps_working_when_its_bot_is_renamed(chat, scene):
    bot, _ = scene
    socket = await chat(bot.bot_id, await new_token(bot))
    await receive(socket)
    bot.bot_id = "renamed-bot"
    await db(bot.save)()
    caches["config"].clear()  # past HITL_CONFIG_CACHE_SECONDS: the old slug is gone everywhere

    await socket.send_json_to({"type": "message", "text": "Still there?", "clientMessageId": "c1"})

    ack = await receive(socket)
    assert ack["type"] == "ack", ack
    assert await db(Message.objects.filter(conversation__bot=bot, text="Still there?").exists)()
