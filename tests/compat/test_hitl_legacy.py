"""Botpress's legacy HITL module, every route of modules/hitl/src/backend/api.ts, with the
shapes of modules/hitl/src/backend/db.ts (getAllSessions, getSessionMessages, isSessionPaused,
setSessionPauseState)."""

from __future__ import annotations

import pytest

from handoffs import services
from handoffs.models import Conversation, Message
from tests.api.conftest import api_url

pytestmark = pytest.mark.django_db

HITL = "mod/hitl"


def session(bot, user: str = "u1", thread: str = "", text: str = "hello") -> Conversation:
    received = services.message_ingest(
        bot=bot, channel="web", user_id=user, thread_id=thread, text=text
    )
    return received.message.conversation


# -- GET /sessions


def test_sessions_in_botpress_overview_shape(token_client, bot):
    conversation = session(bot, text="Where is my order?")
    conversation.end_user.variables = {"fullName": "Ada Lovelace"}
    conversation.end_user.save()

    (item,) = token_client.get(api_url(bot, f"{HITL}/sessions")).json()

    assert (item["id"], item["botId"], item["channel"], item["isPaused"]) == (
        conversation.pk,
        bot.bot_id,
        "web",
        False,
    )
    assert {"threadId", "lastEventOn", "lastHeardOn", "pausedBy"} <= set(item)
    last = item["lastMessage"]
    assert (last["text"], last["direction"], last["source"], last["type"]) == (
        "Where is my order?",
        "in",
        "user",
        "text",
    )
    assert "raw_message" in last and "ts" in last
    assert item["user"]["id"] == "u1" and item["user"]["fullName"] == "Ada Lovelace"


@pytest.mark.parametrize("flag", ["pausedOnly", "onlyPaused"])
def test_paused_only(flag, token_client, bot):
    paused = session(bot, user="a")
    session(bot, user="b")
    services.conversation_pause(conversation=paused)

    items = token_client.get(api_url(bot, f"{HITL}/sessions?{flag}=true")).json()

    assert [i["id"] for i in items] == [paused.pk]


def test_search_text_matches_the_users_name_or_id(token_client, bot):
    ada = session(bot, user="ada-1")
    session(bot, user="bob-2")

    items = token_client.get(api_url(bot, f"{HITL}/sessions?searchText=ada")).json()

    assert [i["id"] for i in items] == [ada.pk]


def test_sessions_without_messages_are_not_listed(token_client, bot, conversation):
    """getAllSessions joins the messages table: a session with none is not there."""
    assert token_client.get(api_url(bot, f"{HITL}/sessions")).json() == []


# -- GET /sessions/:sessionId


def test_session_messages_as_hitl_messages_rows(token_client, bot, agent):
    conversation = session(bot, text="hi")
    services.conversation_pause(conversation=conversation)
    services.message_send_agent(conversation=conversation, agent=agent, text="Hello, Ada")

    rows = token_client.get(api_url(bot, f"{HITL}/sessions/{conversation.pk}")).json()

    hitl_rows = [r for r in rows if r["source"] != "bot"]
    assert [(r["direction"], r["source"], r["text"]) for r in hitl_rows] == [
        ("in", "user", "hi"),
        ("out", "agent", "Hello, Ada"),
    ]
    assert all(r["session_id"] == conversation.pk for r in rows)
    assert {"id", "type", "raw_message", "ts"} <= set(rows[0])


# -- POST /sessions/:sessionId/message


def test_an_agent_writes_to_a_paused_session(agent_client, bot):
    conversation = session(bot)
    services.conversation_pause(conversation=conversation)

    response = agent_client.post(
        api_url(bot, f"{HITL}/sessions/{conversation.pk}/message"),
        {"message": "An agent here"},
        format="json",
    )

    assert (response.status_code, response.content) == (200, b"OK")
    sent = Message.objects.filter(conversation=conversation).last()
    assert (sent.direction, sent.text) == ("agent", "An agent here")


def test_a_message_to_an_unknown_session_is_404(agent_client, bot):
    """api.ts: `if (!session) return res.sendStatus(404)`."""
    response = agent_client.post(
        api_url(bot, f"{HITL}/sessions/999999/message"), {"message": "x"}, format="json"
    )

    assert response.status_code == 404


# -- POST /sessions/:sessionId/isPaused and /channel/:channel/user/:userId/isPaused


def test_session_is_paused_answers_true_or_false(token_client, bot):
    conversation = session(bot)
    url = api_url(bot, f"{HITL}/sessions/{conversation.pk}/isPaused")

    before = token_client.post(url)
    services.conversation_pause(conversation=conversation)
    after = token_client.post(url)

    assert (before.status_code, before.json(), after.json()) == (200, False, True)


def test_user_is_paused_by_channel_user_and_thread(token_client, bot):
    one = session(bot, thread="t1")
    session(bot, thread="t2")
    services.conversation_pause(conversation=one)
    url = api_url(bot, f"{HITL}/channel/web/user/u1/isPaused")

    assert token_client.post(f"{url}?threadId=t1").json() is True
    assert token_client.post(f"{url}?threadId=t2").json() is False


def test_a_user_never_seen_is_not_paused_and_not_created(token_client, bot):
    response = token_client.post(api_url(bot, f"{HITL}/channel/web/user/ghost/isPaused"))

    assert response.json() is False
    assert not Conversation.objects.exists()


# -- POST /channel/:channel/user/:userId/:action with ?threadId=


def test_thread_id_pauses_and_unpauses_that_thread(token_client, bot):
    older = session(bot, thread="t1")
    newer = session(bot, thread="t2")
    url = api_url(bot, f"{HITL}/channel/web/user/u1")

    paused = token_client.post(f"{url}/pause?threadId=t1")
    older.refresh_from_db(), newer.refresh_from_db()
    assert paused.status_code == 200
    assert (older.paused, newer.paused) == (True, False)

    token_client.post(f"{url}/unpause?threadId=t1")
    older.refresh_from_db()
    assert not older.paused


def test_session_pause_and_unpause(token_client, bot):
    conversation = session(bot)

    paused = token_client.post(api_url(bot, f"{HITL}/sessions/{conversation.pk}/pause"))
    unpaused = token_client.post(api_url(bot, f"{HITL}/sessions/{conversation.pk}/unpause"))

    assert (paused.status_code, paused.json()["paused"]) == (200, True)
    assert (unpaused.status_code, unpaused.json()["paused"]) == (200, False)
