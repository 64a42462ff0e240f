"""HITL-next's handoff list, handoff request and tags."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from handoffs import services
from handoffs.models import Handoff
from tests.factories import BotFactory, ConversationFactory

from .conftest import api_url

pytestmark = pytest.mark.django_db

LIST = "mod/hitlnext/handoffs"


def make_handoff(bot, *, user_id: str | None = None, text: str = "help") -> Handoff:
    conversation = ConversationFactory(
        end_user__bot=bot, **({"end_user__external_id": user_id} if user_id else {})
    )
    services.message_ingest(
        bot=bot, channel="web", user_id=conversation.end_user.external_id, text=text
    )
    handoff, _ = services.handoff_request(conversation=conversation)
    return handoff


# -- request a handoff


def test_request_with_botpress_body_is_201(token_client, bot, new_events):
    body = {"userId": "u1", "userThreadId": "th-1", "userChannel": "web", "timeoutDelay": 300}

    response = token_client.post(api_url(bot, LIST), body, format="json")

    assert response.status_code == 201
    data = response.json()
    assert (data["status"], data["userId"], data["userThreadId"], data["userChannel"]) == (
        "pending",
        "u1",
        "th-1",
        "web",
    )
    expires = parse_datetime(data["expiresAt"]) - timezone.now()
    assert timedelta(seconds=290) < expires <= timedelta(seconds=300)
    handoff = Handoff.objects.get(pk=data["id"])
    assert handoff.conversation.paused
    assert [t for t, _ in new_events()][0] == "handoff.created"


def test_request_again_is_200_with_the_open_one(token_client, bot):
    body = {"userId": "u1", "userThreadId": "th-1", "userChannel": "web"}

    first = token_client.post(api_url(bot, LIST), body, format="json")
    again = token_client.post(api_url(bot, LIST), body, format="json")

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


def test_request_without_thread_takes_the_users_latest_conversation(token_client, bot):
    conversation = ConversationFactory(end_user__bot=bot, thread_id="abc")
    body = {"userId": conversation.end_user.external_id, "userChannel": "web"}

    response = token_client.post(api_url(bot, LIST), body, format="json")

    assert response.json()["conversationId"] == conversation.pk


def test_an_agent_may_request_a_handoff_too(agent_client, bot):
    body = {"userId": "u1", "userChannel": "web"}

    assert agent_client.post(api_url(bot, LIST), body, format="json").status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"userChannel": "web"}, "userId"),
        ({"userId": "u1"}, "userChannel"),
        ({"userId": 5, "userChannel": "web", "timeoutDelay": "soon"}, "timeoutDelay"),
        ({"userId": ["u"], "userChannel": "web"}, "userId"),
        ({"userId": "u" * 201, "userChannel": "web"}, "userId"),
        ({"userId": "u1", "userChannel": "c" * 41}, "userChannel"),
    ],
)
def test_request_with_a_bad_body_is_422(body, field, token_client, bot):
    response = token_client.post(api_url(bot, LIST), body, format="json")

    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not Handoff.objects.exists()


# -- list


def test_list_is_oldest_pending_first_then_assigned_then_closed(token_client, bot, agent):
    resolved, assigned, pending_old, pending_new = (make_handoff(bot) for _ in range(4))
    services.handoff_assign(handoff=resolved, agent=agent)
    services.handoff_resolve(handoff=resolved, actor=agent)
    services.handoff_assign(handoff=assigned, agent=agent)

    response = token_client.get(api_url(bot, LIST))

    ids = [h["id"] for h in response.json()]
    assert ids == [pending_old.pk, pending_new.pk, assigned.pk, resolved.pk]


def test_list_shows_botpress_fields(token_client, bot, agent):
    handoff = make_handoff(bot, user_id="ada", text="Where is my parcel?")
    services.handoff_set_labels(handoff=handoff, names=["vip"])
    services.handoff_assign(handoff=handoff, agent=agent)
    services.note_add(conversation=handoff.conversation, author=agent, text="Prefers email")

    item = token_client.get(api_url(bot, LIST)).json()[0]

    assert item["userId"] == "ada"
    assert item["conversationId"] == handoff.conversation_id
    assert item["agentId"] == agent.pk
    assert item["agent"]["name"] == agent.agent_profile.display_name
    assert item["tags"] == ["vip"]
    assert [c["content"] for c in item["comments"]] == ["Prefers email"]
    assert item["user"]["id"] == "ada"
    assert item["userConversation"]["text"] == "Where is my parcel?"
    assert item["assignedAt"] is not None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=pending", ["pending"]),
        ("status=assigned,resolved", ["assigned", "resolved"]),
        ("tag=vip", ["assigned"]),
        ("userId=ada", ["resolved"]),
    ],
)
def test_list_filters(query, expected, token_client, bot, agent):
    make_handoff(bot)
    assigned = make_handoff(bot)
    services.handoff_set_labels(handoff=assigned, names=["vip"])
    services.handoff_assign(handoff=assigned, agent=agent)
    resolved = make_handoff(bot, user_id="ada")
    services.handoff_assign(handoff=resolved, agent=agent)
    services.handoff_resolve(handoff=resolved, actor=agent)

    response = token_client.get(api_url(bot, f"{LIST}?{query}"))

    assert sorted(h["status"] for h in response.json()) == expected


def test_list_filters_by_agent(token_client, bot, agent, other_agent):
    mine, theirs = make_handoff(bot), make_handoff(bot)
    services.handoff_assign(handoff=mine, agent=agent)
    services.handoff_assign(handoff=theirs, agent=other_agent)

    response = token_client.get(api_url(bot, f"{LIST}?agentId={agent.pk}"))

    assert [h["id"] for h in response.json()] == [mine.pk]


def test_list_shows_only_this_bots_handoffs(token_client, bot, workspace):
    make_handoff(BotFactory(workspace=workspace))

    assert token_client.get(api_url(bot, LIST)).json() == []


@pytest.mark.parametrize(
    "query",
    [
        "status=open",
        "agentId=me",
        "limit=0",
        "limit=1001",
        "cursor=!",
        "column=userId",
        "column=id&cursor=x",
    ],
)
def test_list_with_a_bad_query_is_422(query, token_client, bot):
    response = token_client.get(api_url(bot, f"{LIST}?{query}"))

    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_list_pages_with_a_cursor_in_the_link_header(token_client, bot, agent):
    handoffs = [make_handoff(bot) for _ in range(5)]
    services.handoff_assign(handoff=handoffs[0], agent=agent)
    expected = [h.pk for h in handoffs[1:]] + [handoffs[0].pk]

    seen, url, pages = [], api_url(bot, f"{LIST}?limit=2"), 0
    while url:
        response = token_client.get(url)
        seen += [h["id"] for h in response.json()]
        link = response.headers.get("Link")
        url = link[1 : link.index(">")] if link else None
        pages += 1

    assert seen == expected
    assert pages == 3


def test_list_query_count_does_not_grow_with_the_list(token_client, bot, agent):
    def handoff_with_everything() -> None:
        handoff = make_handoff(bot)
        services.handoff_set_labels(handoff=handoff, names=["vip", "billing"])
        services.note_add(conversation=handoff.conversation, author=agent, text="note")

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = token_client.get(api_url(bot, LIST))
        assert response.status_code == 200
        return len(queries)

    # The clock stands still: the bot and token stay cached (HITL_CONFIG_CACHE_SECONDS) however
    # long a busy machine takes between the two counts.
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(5):
            handoff_with_everything()
        services.handoff_assign(handoff=Handoff.objects.first(), agent=agent)
        token_client.get(api_url(bot, LIST))  # the token's last use is recorded once
        five = count_queries()
        for _ in range(45):
            handoff_with_everything()
        fifty = count_queries()

    assert len(token_client.get(api_url(bot, LIST)).json()) == 50
    assert five == fifty


# -- tags


def test_set_tags_as_botpress_does(token_client, bot, pending_handoff, new_events):
    url = api_url(bot, f"{LIST}/{pending_handoff.pk}")

    response = token_client.post(url, {"tags": ["vip", "billing", "vip"]}, format="json")

    assert response.status_code == 200
    assert response.json()["tags"] == ["billing", "vip"]
    assert [t for t, _ in new_events()] == ["handoff.updated"]


@pytest.mark.parametrize("body", [{}, {"tags": "vip"}, {"tags": [{"a": 1}]}, {"tags": ["t" * 61]}])
def test_set_tags_with_a_bad_body_is_422(body, token_client, bot, pending_handoff):
    url = api_url(bot, f"{LIST}/{pending_handoff.pk}")

    response = token_client.post(url, body, format="json")

    assert response.status_code == 422
    assert "tags" in response.json()["errors"]


def test_tags_of_an_unknown_handoff_is_404(token_client, bot):
    response = token_client.post(api_url(bot, f"{LIST}/999999"), {"tags": []}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "handoff_not_found"


def test_a_handoff_of_another_bot_is_404(token_client, bot, workspace):
    other = make_handoff(BotFactory(workspace=workspace))

    response = token_client.post(api_url(bot, f"{LIST}/{other.pk}"), {"tags": []}, format="json")

    assert response.status_code == 404


def test_require_agent_with_nobody_online_is_rejected_at_once(token_client, bot, agent):
    agent.memberships.update(online=False)

    response = token_client.post(
        api_url(bot, "mod/hitlnext/handoffs"),
        {"userId": "u-empty-room", "userChannel": "api", "requireAgent": True},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["status"] == "rejected"


def test_require_agent_with_someone_online_is_pending(token_client, bot, agent):
    response = token_client.post(
        api_url(bot, "mod/hitlnext/handoffs"),
        {"userId": "u-staffed", "userChannel": "api", "requireAgent": True},
        format="json",
    )

    assert response.json()["status"] == "pending"
