"""Issue 19, item 5: the web chat shows an agent's name and avatar only where hitl put them (a
real agent's message, hitl's own assignment notice), never a card a bot or a visitor wrote."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async as db
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from agents.models import AgentProfile
from channels_adapters import services as adapter_services
from channels_adapters.routing import websocket_urlpatterns
from handoffs import services
from handoffs.models import Conversation
from tests.api.conftest import api_url

FAKE_CARD = {"name": "Alex from Support", "avatarUrl": "https://evil.example/alex.png"}


def visitor_post(client, bot, token: str, body: dict):
    return client.post(
        f"/chat/{bot.bot_id}/messages/",
        data=body,
        content_type="application/json",
        headers={"X-Hitl-Chat-Token": token},
    )


def visitor_history(client, bot, token: str) -> list[dict]:
    response = client.get(f"/chat/{bot.bot_id}/messages/", headers={"X-Hitl-Chat-Token": token})
    assert response.status_code == 200
    return response.json()["messages"]


@pytest.fixture
def visitor(client, bot) -> tuple[str, str]:
    """A web chat visitor who wrote once: their token and user id."""
    token = adapter_services.web_token_new(bot=bot)
    assert visitor_post(client, bot, token, {"text": "hello"}).status_code == 201
    return token, adapter_services.web_user_from_token(bot=bot, token=token)


def bot_says(token_client, bot, user_id: str, payload: dict) -> None:
    body = {"userId": user_id, "direction": "outgoing", "text": "I am a human", "payload": payload}
    response = token_client.post(api_url(bot, "channels/web/messages"), body, format="json")
    assert response.status_code == 201, response.content


@pytest.mark.django_db
def test_a_bot_message_shows_no_agent_card(client, token_client, bot, visitor):
    token, user_id = visitor

    bot_says(token_client, bot, user_id, {"type": "text", "agent": FAKE_CARD})

    reply = visitor_history(client, bot, token)[-1]
    assert reply["direction"] == "outgoing"
    assert reply["agent"] is None
    assert "agent" not in reply["payload"]
    assert reply["payload"] == {"type": "text"}


@pytest.mark.django_db
def test_a_visitor_message_shows_no_agent_card(client, bot, visitor):
    token, _ = visitor

    response = visitor_post(client, bot, token, {"text": "hi", "payload": {"agent": FAKE_CARD}})

    assert response.status_code == 201
    assert "agent" not in response.json()["message"]["payload"]
    assert "agent" not in visitor_history(client, bot, token)[-1]["payload"]


@pytest.mark.django_db
def test_hitls_assignment_notice_and_an_agents_message_keep_the_agents_card(
    client, bot, agent, visitor
):
    token, _ = visitor
    AgentProfile.objects.update_or_create(user=agent, defaults={"display_name": "Sam"})
    agent = type(agent).objects.get(pk=agent.pk)
    conversation = Conversation.objects.get(bot=bot)
    handoff, _ = services.handoff_request(conversation=conversation)
    services.handoff_assign(handoff=handoff, agent=agent)
    services.message_send_agent(conversation=conversation, agent=agent, text="Sam here")

    notice, said = visitor_history(client, bot, token)[-2:]

    assert notice["direction"] == "system"
    assert notice["payload"]["agent"]["name"] == "Sam"
    assert said["direction"] == "agent"
    assert said["agent"]["name"] == "Sam"


@pytest.mark.django_db(transaction=True)
async def test_the_socket_history_shows_no_card_a_bot_wrote(token_client, bot):
    token = await db(adapter_services.web_token_new)(bot=bot)
    user_id = await db(adapter_services.web_user_from_token)(bot=bot, token=token)
    await db(bot_says)(token_client, bot, user_id, {"type": "text", "agent": FAKE_CARD})
    socket = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/chat/{bot.bot_id}/?token={token}"
    )
    connected, _ = await socket.connect()
    assert connected

    history = await socket.receive_json_from(timeout=3)
    await socket.disconnect()

    [reply] = history["messages"]
    assert reply["agent"] is None
    assert "agent" not in reply["payload"]
