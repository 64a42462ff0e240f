"""A conversation's transcript and notes."""

from __future__ import annotations

import pytest

from handoffs import services
from handoffs.models import Message
from tests.factories import BotFactory, ConversationFactory

from .conftest import api_url

pytestmark = pytest.mark.django_db


def messages_url(bot, conversation, query: str = "") -> str:
    return api_url(bot, f"mod/hitlnext/conversations/{conversation.pk}/messages{query}")


def notes_url(bot, conversation) -> str:
    return api_url(bot, f"mod/hitlnext/conversations/{conversation.pk}/notes")


def say(bot, conversation, *texts: str) -> None:
    for text in texts:
        services.message_ingest(
            bot=bot, channel="web", user_id=conversation.end_user.external_id, text=text
        )


# -- read the transcript


def test_messages_newest_last_limited_by_the_bots_setting(token_client, bot, conversation):
    bot.message_count = 3
    bot.save()
    say(bot, conversation, "1", "2", "3", "4")

    response = token_client.get(messages_url(bot, conversation))

    assert response.status_code == 200
    assert [m["text"] for m in response.json()] == ["2", "3", "4"]


def test_messages_with_a_limit(token_client, bot, conversation):
    say(bot, conversation, "1", "2", "3")

    response = token_client.get(messages_url(bot, conversation, "?limit=2"))

    assert [m["text"] for m in response.json()] == ["2", "3"]


def test_pages_back_and_forth_through_a_long_conversation(token_client, bot, conversation):
    say(bot, conversation, *(str(n) for n in range(1, 8)))

    def texts(query: str) -> list[str]:
        response = token_client.get(messages_url(bot, conversation, query))
        assert response.status_code == 200, response.content
        return [m["text"] for m in response.json()]

    def id_of(text: str) -> int:
        return Message.objects.get(conversation=conversation, text=text).pk

    assert texts("?limit=3") == ["5", "6", "7"]
    assert texts(f"?limit=3&before={id_of('5')}") == ["2", "3", "4"]
    assert texts(f"?limit=3&before={id_of('2')}") == ["1"]
    assert texts(f"?limit=3&after={id_of('1')}") == ["2", "3", "4"]
    assert texts(f"?limit=3&after={id_of('7')}") == []


@pytest.mark.parametrize("query", ["?limit=0", "?limit=abc", "?limit=501"])
def test_messages_with_a_bad_limit_is_422(query, token_client, bot, conversation):
    response = token_client.get(messages_url(bot, conversation, query))

    assert response.status_code == 422
    assert "limit" in response.json()["errors"]


def test_messages_of_an_unknown_conversation_is_404(token_client, bot):
    response = token_client.get(api_url(bot, "mod/hitlnext/conversations/999999/messages"))

    assert response.status_code == 404
    assert response.json()["code"] == "conversation_not_found"


def test_messages_of_another_bots_conversation_is_404(token_client, bot, workspace):
    other = ConversationFactory(end_user__bot=BotFactory(workspace=workspace))

    assert token_client.get(messages_url(bot, other)).status_code == 404


# -- write to the user


def test_the_assigned_agent_writes_to_the_user(
    agent_client,
    agent,
    bot,
    assigned_handoff,
    conversation,
    new_events,
):
    response = agent_client.post(
        messages_url(bot, conversation), {"text": "Hello, I'm here"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["direction"], body["text"], body["author"]["agentId"]) == (
        "agent",
        "Hello, I'm here",
        agent.pk,
    )
    assert [t for t, _ in new_events()] == ["message.created"]


def test_a_payload_alone_is_a_message(agent_client, bot, assigned_handoff, conversation):
    body = {"payload": {"type": "image", "image_url": "https://example.com/a.png"}}

    response = agent_client.post(messages_url(bot, conversation), body, format="json")

    assert response.status_code == 201
    # Keys inside the payload are the channel's own: never renamed.
    assert response.json()["payload"]["image_url"] == "https://example.com/a.png"
    assert response.json()["type"] == "image"


def test_another_agent_cannot_write(other_agent_client, bot, assigned_handoff, conversation):
    response = other_agent_client.post(
        messages_url(bot, conversation), {"text": "hi"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "not_assigned_agent"


def test_writing_to_a_conversation_the_bot_holds_is_422(agent_client, bot, conversation):
    response = agent_client.post(messages_url(bot, conversation), {"text": "hi"}, format="json")

    assert response.status_code == 422
    assert response.json()["code"] == "conversation_not_paused"


def test_a_token_cannot_write_as_an_agent(token_client, bot, assigned_handoff, conversation):
    response = token_client.post(messages_url(bot, conversation), {"text": "hi"}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "agent_required"


@pytest.mark.parametrize(
    ("body", "code"),
    [({}, "empty_message"), ({"text": True}, "invalid"), ({"payload": "x"}, "invalid")],
)
def test_writing_a_bad_body_is_422(body, code, agent_client, bot, assigned_handoff, conversation):
    response = agent_client.post(messages_url(bot, conversation), body, format="json")

    assert response.status_code == 422
    assert response.json()["code"] == code


def test_writing_oversize_text_is_413(agent_client, bot, assigned_handoff, conversation):
    count = Message.objects.count()

    response = agent_client.post(
        messages_url(bot, conversation), {"text": "x" * 10_001}, format="json"
    )

    assert response.status_code == 413
    assert Message.objects.count() == count


def test_writing_to_an_unknown_conversation_is_404(agent_client, bot):
    url = api_url(bot, "mod/hitlnext/conversations/999999/messages")

    assert agent_client.post(url, {"text": "hi"}, format="json").status_code == 404


# -- notes


def test_add_and_read_notes(agent_client, token_client, agent, bot, conversation):
    added = agent_client.post(
        notes_url(bot, conversation), {"content": "Prefers email"}, format="json"
    )

    listed = token_client.get(notes_url(bot, conversation))

    assert added.status_code == 201
    assert added.json()["author"]["agentId"] == agent.pk
    assert [n["content"] for n in listed.json()] == ["Prefers email"]


def test_a_note_is_linked_to_the_latest_handoff(agent_client, bot, pending_handoff, conversation):
    response = agent_client.post(notes_url(bot, conversation), {"content": "x"}, format="json")

    assert response.json()["handoffId"] == pending_handoff.pk


@pytest.mark.parametrize("body", [{}, {"content": "  "}, {"content": {"a": 1}}])
def test_a_bad_note_is_422(body, agent_client, bot, conversation):
    response = agent_client.post(notes_url(bot, conversation), body, format="json")

    assert response.status_code == 422
    assert "content" in response.json()["errors"]


def test_an_oversize_note_is_413(agent_client, bot, conversation):
    body = {"content": "x" * 10_001}

    assert agent_client.post(notes_url(bot, conversation), body, format="json").status_code == 413


def test_a_token_cannot_write_notes(token_client, bot, conversation):
    response = token_client.post(notes_url(bot, conversation), {"content": "x"}, format="json")

    assert response.status_code == 403


def test_notes_of_an_unknown_conversation_is_404(token_client, bot):
    url = api_url(bot, "mod/hitlnext/conversations/999999/notes")

    assert token_client.get(url).status_code == 404
