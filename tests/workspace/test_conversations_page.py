"""The conversations view and the bell: who may open them, and what the server renders first."""

from __future__ import annotations

import json

import pytest

from handoffs import services
from tests.factories import BotFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def state_of(response, element_id: str = "conversations-state") -> dict:
    html = response.content.decode()
    start = html.index(f'<script id="{element_id}" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def chat(bot, user_id: str, text: str = "hello", **kwargs):
    return services.message_ingest(
        bot=bot, channel="web", user_id=user_id, text=text, **kwargs
    ).message.conversation


def test_anonymous_is_sent_to_login(client, bot):
    for url in ("/workspace/conversations/", f"/workspace/{bot.bot_id}/conversations/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_another_workspaces_bot_is_404(login, agent, bot):
    response = login(agent).get(f"/workspace/{BotFactory().bot_id}/conversations/")

    assert response.status_code == 404


def test_every_conversation_of_my_bots_is_listed(login, agent, bot, workspace):
    sales = BotFactory(workspace=workspace)
    here = chat(bot, "u1", "hello", variables={"fullName": "Ada Lovelace"})
    there = chat(sales, "u2")
    chat(BotFactory(), "stranger")

    response = login(agent).get("/workspace/conversations/")

    assert response.status_code == 200
    state = state_of(response)
    assert [c["id"] for c in state["conversations"]] == [there.pk, here.pk]
    assert state["scopeBotId"] is None
    assert set(state["bots"]) == {bot.bot_id, sales.bot_id}
    assert state["bots"][bot.bot_id]["legacy"] == f"/api/v1/bots/{bot.bot_id}/mod/hitl/"
    content = response.content.decode()
    assert "Ada Lovelace" in content
    assert 'aria-current="page">Conversations</a>' in content


def test_the_per_bot_page_lists_that_bot_only(login, agent, bot, workspace):
    mine = chat(bot, "u1")
    chat(BotFactory(workspace=workspace), "u2")

    state = state_of(login(agent).get(f"/workspace/{bot.bot_id}/conversations/"))

    assert [c["id"] for c in state["conversations"]] == [mine.pk]
    assert state["scopeBotId"] == bot.bot_id


def test_search_and_filters_come_from_the_query(login, agent, bot):
    chat(bot, "u1", "parcel lost")
    refund = chat(bot, "u2", "refund please")
    services.conversation_pause(conversation=refund, actor=agent)
    client = login(agent)
    url = f"/workspace/{bot.bot_id}/conversations/"

    searched = state_of(client.get(url, {"search": "refund"}))
    paused = state_of(client.get(url, {"paused": "true"}))
    nonsense = state_of(client.get(url, {"paused": "maybe", "cursor": "!"}))

    assert [c["id"] for c in searched["conversations"]] == [refund.pk]
    assert searched["filters"] == {"search": "refund", "channel": "", "paused": None}
    assert [c["id"] for c in paused["conversations"]] == [refund.pk]
    assert paused["conversations"][0]["pausedBy"]["agentId"] == agent.pk
    assert len(nonsense["conversations"]) == 2
    assert nonsense["firstPage"] is True
    assert client.get(url, {"search": "re\x00fund"}).status_code == 200
    assert "Paused by" in client.get(url).content.decode()


def test_the_next_page_link_keeps_the_filters(login, agent, bot, monkeypatch):
    from handoffs.views import conversations

    monkeypatch.setattr(conversations, "PAGE_SIZE", 2)
    for n in range(3):
        chat(bot, f"u{n}", "hello")
    client = login(agent)

    first = state_of(client.get(f"/workspace/{bot.bot_id}/conversations/", {"search": "hello"}))
    second = state_of(client.get(f"/workspace/{bot.bot_id}/conversations/{first['nextUrl']}"))

    assert "search=hello" in first["nextUrl"]
    assert len(first["conversations"]) == 2
    assert len(second["conversations"]) == 1
    assert second["nextUrl"] is None
    assert second["firstPage"] is False


def test_the_bell_shows_my_unread_notifications(login, agent, other_agent, bot):
    services.notification_create_custom(bot=bot, message="Stock is low")
    services.notify(
        workspace_id=bot.workspace_id,
        recipient_ids=[other_agent.pk],
        kind="custom",
        message="not mine",
        bot=bot,
    )

    for url in (f"/workspace/{bot.bot_id}/", "/workspace/conversations/"):
        response = login(agent).get(url)
        bell = state_of(response, "bell-state")
        assert bell["unreadCount"] == 1
        assert [n["message"] for n in bell["notifications"]] == ["Stock is low"]
        assert bell["botApis"] == {bot.bot_id: f"/api/v1/bots/{bot.bot_id}/mod/hitlnext/"}
        assert 'id="bell-count" class="bell__count">1<' in response.content.decode()


def test_the_bell_covers_every_workspace_of_the_agent(login, agent, bot):
    elsewhere = BotFactory()
    MembershipFactory(workspace=elsewhere.workspace, user=agent)
    services.notification_create_custom(bot=bot, message="here")
    services.notification_create_custom(bot=elsewhere, message="there")

    bell = state_of(login(agent).get("/workspace/conversations/"), "bell-state")

    assert bell["unreadCount"] == 2
    assert len(bell["workspaceApis"]) == 2


def test_the_handoffs_page_has_the_conversations_tab(login, agent, bot):
    content = login(agent).get(f"/workspace/{bot.bot_id}/").content.decode()

    assert f'href="/workspace/{bot.bot_id}/conversations/"' in content
    assert 'aria-current="page">Handoffs</a>' in content
