"""HITL-next's `GET conversations/:id/messages`, held to Botpress v12's source:
modules/hitlnext/src/backend/api.ts (router.get('/conversations/:id/messages')),
repository.ts listMessages, and the UI that calls it with the handoff's `userThreadId`
(modules/hitlnext/src/views/full/app/components/ConversationHistory.tsx,
ConversationContainer.tsx)."""

from __future__ import annotations

import pytest

from handoffs import services
from handoffs.models import Conversation
from tests.api.conftest import api_url
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


def messages_url(bot, id_or_thread: object, query: str = "") -> str:
    return api_url(bot, f"mod/hitlnext/conversations/{id_or_thread}/messages{query}")


def talk(bot, thread: str, count: int) -> Conversation:
    for n in range(count):
        services.message_ingest(
            bot=bot, channel="web", user_id="u1", thread_id=thread, text=f"m{n}"
        )
    return Conversation.objects.get(bot=bot, thread_id=thread)


def test_the_ui_passes_the_user_thread_id_with_id_desc_and_message_count(token_client, bot):
    """ConversationHistory.tsx: `api.getMessages(userThreadId, 'id', true, messageCount)`."""
    talk(bot, "9b1de3c2-4f5a-4b8e-9c1d-2e3f4a5b6c7d", 5)

    response = token_client.get(
        messages_url(bot, "9b1de3c2-4f5a-4b8e-9c1d-2e3f4a5b6c7d", "?column=id&desc=true&limit=3")
    )

    assert response.status_code == 200
    assert [m["event"]["preview"] for m in response.json()] == ["m4", "m3", "m2"]


def test_items_are_stored_events(token_client, bot):
    """Message.tsx reads `direction` and `event.preview` / `event.payload`."""
    conversation = talk(bot, "th-1", 1)

    (item,) = token_client.get(messages_url(bot, "th-1")).json()

    assert (item["direction"], item["botId"], item["channel"], item["threadId"]) == (
        "incoming",
        bot.bot_id,
        "web",
        "th-1",
    )
    assert item["target"] == conversation.end_user.external_id
    assert item["createdOn"] == item["createdAt"]
    assert item["event"] == {"preview": "m0", "payload": {"type": "text", "text": "m0"}}
    # hitl's own fields beside them.
    assert (item["conversationId"], item["text"]) == (conversation.pk, "m0")


def test_desc_false_is_the_oldest_first(token_client, bot):
    talk(bot, "th-1", 4)

    response = token_client.get(messages_url(bot, "th-1", "?desc=false&limit=2"))

    assert [m["text"] for m in response.json()] == ["m0", "m1"]


def test_without_order_the_last_ones_newest_last_as_hitl_gives_them(token_client, bot):
    conversation = talk(bot, "th-1", 4)

    response = token_client.get(messages_url(bot, conversation.pk, "?limit=2"))

    assert [m["text"] for m in response.json()] == ["m2", "m3"]


def test_a_number_that_is_a_conversation_id_of_the_bot_is_that_conversation(token_client, bot):
    """The documented rule: the id wins; a thread id that is also some id needs its own id."""
    first = talk(bot, "th-a", 1)
    # A thread named with the first conversation's id, on another conversation.
    other = talk(bot, str(first.pk), 2)

    by_number = token_client.get(messages_url(bot, first.pk)).json()
    by_other_id = token_client.get(messages_url(bot, other.pk)).json()

    assert {m["conversationId"] for m in by_number} == {first.pk}
    assert {m["conversationId"] for m in by_other_id} == {other.pk}


def test_a_number_that_is_no_conversation_id_is_a_thread(token_client, bot):
    conversation = talk(bot, "987654321", 1)

    response = token_client.get(messages_url(bot, "987654321"))

    assert [m["conversationId"] for m in response.json()] == [conversation.pk]


def test_a_thread_shared_by_two_users_is_422(token_client, bot):
    ConversationFactory(end_user__bot=bot, thread_id="shared")
    ConversationFactory(end_user__bot=bot, thread_id="shared")

    response = token_client.get(messages_url(bot, "shared"))

    assert (response.status_code, response.json()["code"]) == (422, "ambiguous_thread")


def test_an_unknown_thread_or_another_bots_is_404(token_client, bot, foreign_bot):
    talk(foreign_bot, "theirs", 1)

    assert token_client.get(messages_url(bot, "theirs")).status_code == 404
    assert token_client.get(messages_url(bot, "nope")).status_code == 404
