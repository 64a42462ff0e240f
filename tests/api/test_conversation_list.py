"""Every conversation of a bot (the legacy HITL panel's list): order, search, filters, pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from handoffs import services
from handoffs.models import Conversation
from tests.factories import BotFactory, ConversationFactory

from .conftest import api_url

pytestmark = pytest.mark.django_db

LIST = "mod/hitlnext/conversations"


def chat(bot, user_id: str, text: str, *, channel: str = "web", name: str | None = None):
    variables = {"fullName": name} if name else None
    received = services.message_ingest(
        bot=bot, channel=channel, user_id=user_id, text=text, variables=variables
    )
    return received.message.conversation


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [c["id"] for c in response.json()]


def test_lists_every_conversation_most_recent_first(token_client, bot):
    silent = ConversationFactory(end_user__bot=bot)  # no message: its creation is its activity
    first = chat(bot, "u1", "hello")
    second = chat(bot, "u2", "hi")
    chat(bot, "u1", "again")  # u1 is the most recent now
    newest_silent = ConversationFactory(end_user__bot=bot)

    response = token_client.get(api_url(bot, LIST))

    assert ids(response) == [newest_silent.pk, first.pk, second.pk, silent.pk]
    row = response.json()[1]
    assert row["userId"] == "u1"
    assert row["lastMessage"]["text"] == "again"
    assert row["paused"] is False
    assert row["openHandoff"] is None


def test_a_row_shows_who_paused_and_the_open_handoff(agent_client, agent, bot):
    paused = chat(bot, "u1", "hello")
    handed_off = chat(bot, "u2", "human please")
    services.conversation_pause(conversation=paused, actor=agent)
    handoff, _ = services.handoff_request(conversation=handed_off)

    rows = {c["id"]: c for c in agent_client.get(api_url(bot, LIST)).json()}

    assert rows[paused.pk]["pausedBy"]["agentId"] == agent.pk
    assert rows[paused.pk]["openHandoff"] is None
    assert rows[handed_off.pk]["openHandoff"]["id"] == handoff.pk
    assert rows[handed_off.pk]["openHandoff"]["status"] == "pending"
    assert rows[handed_off.pk]["lastMessage"]["direction"] == "system"


@pytest.mark.parametrize(
    ("search", "expected"),
    [("lovelace", ["ada"]), ("GRACE", ["grace"]), ("refund", ["grace"]), ("u-ad", ["ada"])],
)
def test_search_matches_name_user_id_and_message_text(token_client, bot, search, expected):
    ada = chat(bot, "u-ada", "where is my parcel", name="Ada Lovelace")
    grace = chat(bot, "u-grace", "I want a refund", name="Grace Hopper")
    chat(bot, "u-grace", "thanks")  # the match may be any message, not only the last
    by_name = {"ada": ada.pk, "grace": grace.pk}

    response = token_client.get(api_url(bot, LIST), {"search": search})

    assert ids(response) == [by_name[n] for n in expected]


def test_filters_by_channel_and_paused_state(token_client, bot):
    web = chat(bot, "u1", "hello")
    api = chat(bot, "u2", "hello", channel="api")
    services.conversation_pause(conversation=api)

    assert ids(token_client.get(api_url(bot, LIST), {"channel": "api"})) == [api.pk]
    assert ids(token_client.get(api_url(bot, LIST), {"paused": "true"})) == [api.pk]
    assert ids(token_client.get(api_url(bot, LIST), {"paused": "false"})) == [web.pk]


def test_pages_with_a_cursor_in_the_link_header(token_client, bot):
    for _ in range(2):
        ConversationFactory(end_user__bot=bot)  # without messages, across the page border
    for n in range(5):
        chat(bot, f"u{n}", "hello")
    expected = ids(token_client.get(api_url(bot, LIST)))

    seen, url, pages = [], api_url(bot, f"{LIST}?limit=2"), 0
    while url:
        response = token_client.get(url)
        seen += ids(response)
        link = response.headers.get("Link")
        url = link[1 : link.index(">")] if link else None
        pages += 1

    assert len(expected) == 7
    assert seen == expected
    assert pages == 4


def test_query_count_does_not_grow_with_the_page(agent_client, agent, bot):
    def busy_conversation(n: int) -> None:
        conversation = chat(bot, f"u{n}", "hello", name=f"User {n}")
        if n % 3 == 0:
            services.conversation_pause(conversation=conversation, actor=agent)
        elif n % 3 == 1:
            handoff, _ = services.handoff_request(conversation=conversation)
            services.handoff_assign(handoff=handoff, agent=agent)
            services.message_send_agent(conversation=conversation, agent=agent, text="hi")

    def count_queries(limit: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = agent_client.get(api_url(bot, LIST), {"limit": limit})
        assert len(response.json()) == limit
        return len(queries)

    bot.agent_capacity = 100
    bot.save()
    for n in range(60):
        busy_conversation(n)
    agent_client.get(api_url(bot, LIST))  # the agent's activity is recorded once

    assert count_queries(5) == count_queries(50)


def test_other_bots_conversations_are_not_listed(token_client, bot, workspace):
    chat(BotFactory(workspace=workspace), "u1", "hello")

    assert ids(token_client.get(api_url(bot, LIST))) == []


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=201", "paused=maybe", "cursor=!", "cursor=bm9wZQ", "search=" + "x" * 201],
)
def test_a_bad_query_is_422(token_client, bot, query):
    response = token_client.get(api_url(bot, f"{LIST}?{query}"))

    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_anonymous_is_401(anon_client, bot):
    assert anon_client.get(api_url(bot, LIST)).status_code == 401


def test_another_workspaces_bot_is_404(agent_client, token_client, foreign_bot):
    assert agent_client.get(api_url(foreign_bot, LIST)).status_code == 404
    assert token_client.get(api_url(foreign_bot, LIST)).status_code == 404


# -- one conversation


def test_get_one_conversation_as_the_list_shows_it(agent_client, bot):
    conversation = chat(bot, "u1", "hello", name="Ada")

    response = agent_client.get(api_url(bot, f"{LIST}/{conversation.pk}"))

    assert response.status_code == 200
    assert response.json()["user"]["name"] == "Ada"
    assert response.json()["lastMessage"]["text"] == "hello"


def test_another_bots_conversation_is_404(agent_client, bot, workspace):
    elsewhere = chat(BotFactory(workspace=workspace), "u1", "hello")

    response = agent_client.get(api_url(bot, f"{LIST}/{elsewhere.pk}"))

    assert response.status_code == 404
    assert response.json()["code"] == "conversation_not_found"


# -- pause from the conversations view: the legacy path, then writing to the user


def test_an_agent_pauses_writes_and_hands_back(agent_client, agent, bot):
    conversation = chat(bot, "u1", "hello")
    write = api_url(bot, f"mod/hitlnext/conversations/{conversation.pk}/messages")

    before = agent_client.post(write, {"text": "hi"}, format="json")
    paused = agent_client.post(api_url(bot, f"mod/hitl/sessions/{conversation.pk}/pause"))
    sent = agent_client.post(write, {"text": "Sam here, I take over."}, format="json")
    row = agent_client.get(api_url(bot, f"{LIST}/{conversation.pk}")).json()
    unpaused = agent_client.post(api_url(bot, f"mod/hitl/sessions/{conversation.pk}/unpause"))
    after = agent_client.post(write, {"text": "still me?"}, format="json")

    assert before.status_code == 422
    assert paused.json()["pausedBy"]["agentId"] == agent.pk
    assert sent.status_code == 201
    assert row["paused"] is True
    assert row["lastMessage"]["text"] == "Sam here, I take over."
    assert unpaused.json()["paused"] is False
    assert after.status_code == 422
    assert after.json()["code"] == "conversation_not_paused"
    assert not Conversation.objects.get(pk=conversation.pk).paused


def test_a_colleague_may_write_in_a_conversation_paused_by_hand(
    agent_client,
    other_agent_client,
    bot,
):
    conversation = chat(bot, "u1", "hello")
    agent_client.post(api_url(bot, f"mod/hitl/sessions/{conversation.pk}/pause"))

    response = other_agent_client.post(
        api_url(bot, f"mod/hitlnext/conversations/{conversation.pk}/messages"),
        {"text": "A colleague here."},
        format="json",
    )

    assert response.status_code == 201
