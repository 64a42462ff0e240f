"""The notifications API: my notifications, marking them read, and notices from bots."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from handoffs import services
from handoffs.models import Event, Notification
from tests.factories import BotFactory, ConversationFactory, MembershipFactory

from .conftest import api_url

pytestmark = pytest.mark.django_db

LIST = "mod/hitlnext/notifications"
READ = "mod/hitlnext/notifications/read"


def notify(bot, message: str = "hello"):
    return services.notification_create_custom(bot=bot, message=message)


# -- GET: my notifications


def test_an_agent_gets_their_notifications_newest_first(agent_client, agent, bot):
    handoff, _ = services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))
    notify(bot, "second")

    response = agent_client.get(api_url(bot, LIST))

    assert response.status_code == 200
    body = response.json()
    assert body["unreadCount"] == 2
    first, second = body["notifications"]
    assert (first["kind"], first["message"], first["read"]) == ("custom", "second", False)
    assert second["kind"] == "handoff_new"
    assert second["handoffId"] == handoff.pk
    assert second["conversationId"] == handoff.conversation_id
    assert second["botId"] == bot.bot_id
    assert second["link"] == f"/workspace/{bot.bot_id}/?handoff={handoff.pk}"
    assert set(second) >= {"id", "level", "readAt", "createdAt"}


def test_colleagues_never_see_each_others(agent_client, other_agent_client, agent, bot):
    services.notify(
        workspace_id=bot.workspace_id,
        recipient_ids=[agent.pk],
        kind="custom",
        message="only for you",
        bot=bot,
    )

    mine = agent_client.get(api_url(bot, LIST)).json()
    theirs = other_agent_client.get(api_url(bot, LIST)).json()

    assert [n["message"] for n in mine["notifications"]] == ["only for you"]
    assert theirs == {"unreadCount": 0, "notifications": []}


def test_another_workspaces_notifications_stay_there(agent_client, agent, bot):
    elsewhere = BotFactory()
    MembershipFactory(workspace=elsewhere.workspace, user=agent)
    notify(elsewhere, "there")
    notify(bot, "here")

    here = agent_client.get(api_url(bot, LIST)).json()
    there = agent_client.get(api_url(elsewhere, LIST)).json()

    assert [n["message"] for n in here["notifications"]] == ["here"]
    assert [n["message"] for n in there["notifications"]] == ["there"]
    assert here["unreadCount"] == there["unreadCount"] == 1


def test_unread_only_and_pages(agent_client, agent, bot):
    for n in range(5):
        notify(bot, f"n{n}")
    oldest = Notification.objects.filter(recipient=agent).order_by("id").first()
    services.notification_mark_read(user=agent, workspace_id=bot.workspace_id, ids=[oldest.pk])

    unread = agent_client.get(api_url(bot, LIST), {"unread": "true"}).json()
    seen, url = [], api_url(bot, f"{LIST}?limit=2")
    while url:
        response = agent_client.get(url)
        seen += [n["message"] for n in response.json()["notifications"]]
        assert response.json()["unreadCount"] == 4
        link = response.headers.get("Link")
        url = link[1 : link.index(">")] if link else None

    assert [n["message"] for n in unread["notifications"]] == ["n4", "n3", "n2", "n1"]
    assert seen == ["n4", "n3", "n2", "n1", "n0"]


def test_a_token_has_no_notifications_of_its_own(token_client, bot):
    response = token_client.get(api_url(bot, LIST))

    assert response.status_code == 403
    assert response.json()["code"] == "agent_required"


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "unread=maybe", "cursor=!", "cursor=eA"])
def test_a_bad_query_is_422(agent_client, bot, query):
    response = agent_client.get(api_url(bot, f"{LIST}?{query}"))

    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_anonymous_is_401(anon_client, bot):
    assert anon_client.get(api_url(bot, LIST)).status_code == 401
    assert anon_client.post(api_url(bot, READ), {"all": True}, format="json").status_code == 401


def test_another_workspaces_bot_is_404(agent_client, token_client, foreign_bot):
    for client in (agent_client, token_client):
        assert client.get(api_url(foreign_bot, LIST)).status_code == 404
        response = client.post(api_url(foreign_bot, LIST), {"message": "x"}, format="json")
        assert response.status_code == 404
    assert (
        agent_client.post(api_url(foreign_bot, READ), {"all": True}, format="json").status_code
        == 404
    )
    assert not Notification.objects.exists()


# -- POST: a bot or an external system notifies the workspace (bp.notifications.create)


def test_a_bot_notifies_every_member(token_client, bot, agent, admin):
    body = {"message": "Stock is low", "level": "warning", "link": "https://crm.example.com/7"}

    response = token_client.post(api_url(bot, LIST), body, format="json")

    assert response.status_code == 201
    assert response.json() == {**body, "recipients": 2}
    rows = Notification.objects.filter(kind="custom")
    assert {n.recipient for n in rows} == {agent, admin}
    assert {(n.level, n.link, n.bot_id) for n in rows} == {("warning", body["link"], bot.pk)}
    assert (
        Event.objects.filter(type="notification.created", recipient_id__isnull=False).count() == 2
    )


def test_the_level_defaults_to_info(token_client, bot, agent):
    response = token_client.post(api_url(bot, LIST), {"message": "FYI"}, format="json")

    assert response.json()["level"] == "info"
    assert Notification.objects.get().level == "info"


def test_an_admin_may_notify_and_an_agent_may_not(admin_client, agent_client, bot):
    by_admin = admin_client.post(api_url(bot, LIST), {"message": "Meeting at 3"}, format="json")
    by_agent = agent_client.post(api_url(bot, LIST), {"message": "Free pizza"}, format="json")

    assert by_admin.status_code == 201
    assert by_agent.status_code == 403
    assert by_agent.json()["code"] == "admin_required"
    assert not Notification.objects.filter(message="Free pizza").exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"message": ""},
        {"message": "x" * 501},
        {"message": "hi", "level": "fatal"},
        {"message": "hi", "link": "javascript:alert(1)"},
        {"message": "hi", "link": "x" * 501},
        {"message": ["hi"]},
    ],
)
def test_a_bad_notification_is_422(token_client, bot, agent, body):
    response = token_client.post(api_url(bot, LIST), body, format="json")

    assert response.status_code == 422
    assert not Notification.objects.exists()


def test_malformed_json_is_400(token_client, bot):
    response = token_client.post(api_url(bot, LIST), data="{nope", content_type="application/json")

    assert response.status_code == 400


# -- POST read


def test_mark_some_read(agent_client, agent, bot):
    notify(bot, "one")
    notify(bot, "two")
    first = Notification.objects.get(recipient=agent, message="one")

    response = agent_client.post(api_url(bot, READ), {"ids": [first.pk]}, format="json")

    assert response.status_code == 200
    assert response.json() == {"marked": 1, "unreadCount": 1}
    listed = agent_client.get(api_url(bot, LIST)).json()["notifications"]
    assert [(n["message"], n["read"]) for n in listed] == [("two", False), ("one", True)]
    assert listed[1]["readAt"] is not None


def test_mark_all_read(agent_client, agent, bot):
    notify(bot, "one")
    notify(bot, "two")

    response = agent_client.post(api_url(bot, READ), {"all": True}, format="json")

    assert response.json() == {"marked": 2, "unreadCount": 0}


def test_an_agent_cannot_mark_a_colleagues(agent_client, other_agent, bot):
    notify(bot)
    theirs = Notification.objects.get(recipient=other_agent)

    response = agent_client.post(api_url(bot, READ), {"ids": [theirs.pk]}, format="json")

    assert response.json()["marked"] == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"all": False},
        {"ids": [1], "all": True},
        {"ids": "1"},
        {"ids": [0]},
        {"ids": ["a"]},
        {"ids": list(range(1, 502))},
        {"all": "yes please"},
    ],
)
def test_a_bad_read_request_is_422(agent_client, bot, body):
    response = agent_client.post(api_url(bot, READ), body, format="json")

    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_a_token_cannot_mark_read(token_client, bot):
    response = token_client.post(api_url(bot, READ), {"all": True}, format="json")

    assert response.status_code == 403


def test_writes_need_the_csrf_token_with_a_session(agent, bot):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(agent)

    response = client.post(api_url(bot, READ), {"all": True}, format="json")

    assert response.status_code == 403
