"""HITL-next's handoff routes, held to Botpress v12's source (repository botpress/botpress,
tag v12.30.9): modules/hitlnext/src/backend/api.ts, service.ts, validation.ts, repository.ts,
modules/hitlnext/src/types.d.ts and the UI's client (modules/hitlnext/src/views/client.ts)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from handoffs import services
from handoffs.models import Handoff
from tests.api.conftest import api_url
from tests.factories import BotFactory, ConversationFactory

pytestmark = pytest.mark.django_db

HANDOFFS = "mod/hitlnext/handoffs"


def skill_body(**extra: object) -> dict:
    """What the HITL skill's action posts (modules/hitlnext/src/actions/handoff.js, escalate)."""
    return {"userThreadId": "th-1", "userId": "u1", "userChannel": "web", **extra}


def open_handoff(bot, user_id: str = "u1", text: str = "help") -> Handoff:
    received = services.message_ingest(bot=bot, channel="web", user_id=user_id, text=text)
    handoff, _ = services.handoff_request(conversation=received.message.conversation)
    return handoff


# -- POST /handoffs: api.ts router.post('/handoffs'), service.ts createHandoff


@pytest.mark.parametrize("delay", [0, None, -5])
def test_skill_default_timeout_zero_null_or_negative_never_expires(delay, token_client, bot):
    """service.ts arms its timer only `if (timeoutDelay !== undefined && timeoutDelay > 0)`."""
    response = token_client.post(
        api_url(bot, HANDOFFS), skill_body(timeoutDelay=delay), format="json"
    )

    assert response.status_code == 201
    assert response.json()["expiresAt"] is None


def test_positive_timeout_is_seconds_and_may_be_fractional(token_client, bot):
    response = token_client.post(
        api_url(bot, HANDOFFS), skill_body(timeoutDelay=90.5), format="json"
    )

    left = parse_datetime(response.json()["expiresAt"]) - timezone.now()
    assert timedelta(seconds=85) < left <= timedelta(seconds=90.5)


def test_absent_timeout_takes_the_bots_own_only_where_an_admin_set_one(token_client, workspace):
    plain = BotFactory(workspace=workspace, handoff_timeout=None)
    timed = BotFactory(workspace=workspace, handoff_timeout=timedelta(minutes=10))

    never = token_client.post(api_url(plain, HANDOFFS), skill_body(), format="json").json()
    ten = token_client.post(api_url(timed, HANDOFFS), skill_body(), format="json").json()

    assert never["expiresAt"] is None
    left = parse_datetime(ten["expiresAt"]) - timezone.now()
    assert timedelta(minutes=9) < left <= timedelta(minutes=10)


def test_an_open_handoff_again_is_200(token_client, bot):
    """api.ts: `if (existing) return res.sendStatus(200)`."""
    token_client.post(api_url(bot, HANDOFFS), skill_body(), format="json")

    again = token_client.post(api_url(bot, HANDOFFS), skill_body(), format="json")

    assert again.status_code == 200
    assert Handoff.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [{"userThreadId": "t", "userChannel": "web"}, {"userId": "u", "userThreadId": "t"}],
)
def test_what_create_handoff_schema_refuses_is_422(body, token_client, bot):
    """validation.ts CreateHandoffSchema: userId and userChannel are required strings."""
    response = token_client.post(api_url(bot, HANDOFFS), body, format="json")

    assert response.status_code == 422
    assert response.json()["statusCode"] == 422
    assert response.json()["message"]


# -- the handoff object: types.d.ts IHandoff, repository.ts hydrateHandoffs / hydrateEvents


def test_a_handoff_has_every_field_of_botpress_ihandoff(token_client, bot, agent):
    handoff = open_handoff(bot, text="Where is my parcel?")
    services.handoff_set_labels(handoff=handoff, names=["vip"])
    services.handoff_assign(handoff=handoff, agent=agent)

    item = token_client.get(api_url(bot, HANDOFFS)).json()[0]

    botpress_keys = {
        "id", "botId", "agentId", "userId", "status", "userChannel", "userThreadId",
        "agentThreadId", "userConversation", "comments", "tags", "user", "assignedAt",
        "resolvedAt", "createdAt", "updatedAt",
    }  # fmt: skip
    assert botpress_keys <= set(item)
    assert item["tags"] == ["vip"]
    assert item["agentThreadId"] == str(handoff.conversation_id)
    assert item["user"]["id"] == "u1"
    assert isinstance(item["user"]["attributes"], dict)


def test_user_conversation_is_the_users_last_message_as_a_stored_event(token_client, bot):
    """repository.ts recentEventQuery: the thread's last incoming text event, `events` columns
    id, direction, botId, channel, success, createdOn, threadId, type, event."""
    handoff = open_handoff(bot, text="Where is my parcel?")

    event = token_client.get(api_url(bot, HANDOFFS)).json()[0]["userConversation"]

    assert event["id"] == handoff.conversation.last_user_message_id
    assert (event["direction"], event["botId"], event["channel"], event["type"]) == (
        "incoming",
        bot.bot_id,
        "web",
        "text",
    )
    assert event["threadId"] == handoff.conversation.thread_id
    assert "success" in event and parse_datetime(event["createdOn"])
    # HandoffItem.tsx shows `_.get(userConversation, 'event.preview')`.
    assert event["event"]["preview"] == "Where is my parcel?"
    assert event["event"]["payload"] == {"type": "text", "text": "Where is my parcel?"}


def test_user_conversation_without_a_message_is_an_empty_object(token_client, bot):
    """hydrateEvents starts every handoff at `{}`: the UI reads `.createdOn` of it, never null."""
    services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))

    assert token_client.get(api_url(bot, HANDOFFS)).json()[0]["userConversation"] == {}


# -- GET /handoffs: api.ts router.get('/handoffs'), repository.ts applyLimit / applyOrderBy


def test_without_parameters_every_handoff_up_to_the_cap(token_client, bot):
    """Botpress returns them all; its UI (views/full/App.tsx) calls `getHandoffs()` bare."""
    for _ in range(60):
        services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))

    response = token_client.get(api_url(bot, HANDOFFS))

    assert len(response.json()) == 60
    assert "Link" not in response.headers


def test_column_desc_and_limit_as_the_sidebar_asks(token_client, bot, agent):
    """views/full/Sidebar.tsx: `api.getHandoffs('handoffs.createdAt', false, 5)`."""
    handoffs = [open_handoff(bot, user_id=f"u{n}") for n in range(7)]
    services.handoff_assign(handoff=handoffs[0], agent=agent)

    oldest = token_client.get(
        api_url(bot, f"{HANDOFFS}?column=handoffs.createdAt&desc=false&limit=5")
    )
    newest = token_client.get(api_url(bot, f"{HANDOFFS}?column=createdAt&desc=true&limit=5"))

    assert [h["id"] for h in oldest.json()] == [h.pk for h in handoffs[:5]]
    assert [h["id"] for h in newest.json()] == [h.pk for h in reversed(handoffs)][:5]


@pytest.mark.parametrize("column", ["id", "createdAt", "updatedAt", "status", "assignedAt"])
def test_every_whitelisted_column_orders(column, token_client, bot):
    open_handoff(bot, user_id="a"), open_handoff(bot, user_id="b")

    response = token_client.get(api_url(bot, f"{HANDOFFS}?column={column}&desc=true"))

    assert response.status_code == 200
    assert len(response.json()) == 2


def test_a_column_outside_the_whitelist_is_422(token_client, bot):
    """Botpress would hand any `column` to knex; we take only the handoff's own fields."""
    response = token_client.get(api_url(bot, f"{HANDOFFS}?column=comments;drop"))

    assert response.status_code == 422
    assert "column" in response.json()["errors"]


# -- POST /handoffs/:id: api.ts router.post('/handoffs/:id'), validation.ts UpdateHandoffSchema


def test_tags_as_the_ui_updates_them(token_client, bot):
    handoff = open_handoff(bot)

    response = token_client.post(
        api_url(bot, f"{HANDOFFS}/{handoff.pk}"), {"tags": ["vip", "billing"]}, format="json"
    )

    assert response.status_code == 200
    assert sorted(response.json()["tags"]) == ["billing", "vip"]


def test_tags_that_are_not_a_list_of_strings_are_422(token_client, bot):
    handoff = open_handoff(bot)

    response = token_client.post(
        api_url(bot, f"{HANDOFFS}/{handoff.pk}"), {"tags": "vip"}, format="json"
    )

    assert response.status_code == 422


# -- transitions: validation.ts validateHandoffStatusRule, AgentOnlineValidation


def act(client, bot, handoff: Handoff, verb: str):
    return client.post(api_url(bot, f"{HANDOFFS}/{handoff.pk}/{verb}"), {}, format="json")


def test_assign_then_resolve_as_the_ui_does(agent_client, bot, agent):
    handoff = open_handoff(bot)

    assigned = act(agent_client, bot, handoff, "assign")
    resolved = act(agent_client, bot, handoff, "resolve")

    assert (assigned.status_code, assigned.json()["status"]) == (200, "assigned")
    assert assigned.json()["agentId"] == agent.pk and assigned.json()["assignedAt"]
    assert (resolved.status_code, resolved.json()["status"]) == (200, "resolved")
    assert resolved.json()["resolvedAt"]


def test_an_offline_agent_gets_botpress_message_with_422(agent_client, bot, agent):
    agent.memberships.update(online=False)

    response = act(agent_client, bot, open_handoff(bot), "assign")

    assert response.status_code == 422
    assert response.json()["message"] == "You must be online to perform this action"


@pytest.mark.parametrize(
    ("setup", "verb"),
    [
        ("pending", "resolve"),  # "Status "pending" can only transition to "assigned""
        ("assigned", "assign"),  # "Status "assigned" can only transition to "resolved""
        ("resolved", "assign"),
        ("resolved", "resolve"),
        ("resolved", "reject"),
        ("rejected", "reject"),
        ("expired", "assign"),  # "Status "expired" can't transition to ..."
    ],
)
def test_an_invalid_transition_is_422_with_the_state_now(setup, verb, agent_client, bot, agent):
    handoff = open_handoff(bot)
    if setup != "pending" and setup != "expired" and setup != "rejected":
        services.handoff_assign(handoff=handoff, agent=agent)
    if setup == "resolved":
        services.handoff_resolve(handoff=handoff, actor=agent)
    if setup == "rejected":
        services.handoff_reject(handoff=handoff, actor=None)
    if setup == "expired":
        services.handoff_expire(handoff=handoff)

    response = act(agent_client, bot, handoff, verb)

    assert response.status_code == 422
    body = response.json()
    assert (body["statusCode"], body["status"]) == (422, setup)
    assert "agentId" in body and body["code"] == f"handoff_{setup}"


def test_a_token_may_reject_a_pending_handoff(token_client, bot):
    """validateHandoffStatusRule: pending or assigned may always become rejected."""
    response = act(token_client, bot, open_handoff(bot), "reject")

    assert (response.status_code, response.json()["status"]) == (200, "rejected")


# -- POST /handoffs/:id/comments: api.ts, validation.ts CreateCommentSchema, types IComment


def test_a_comment_has_every_field_of_botpress_icomment(agent_client, bot, agent):
    handoff = open_handoff(bot)

    response = agent_client.post(
        api_url(bot, f"{HANDOFFS}/{handoff.pk}/comments"), {"content": "VIP"}, format="json"
    )

    assert response.status_code == 201
    comment = response.json()
    assert (comment["agentId"], comment["handoffId"], comment["content"]) == (
        agent.pk,
        handoff.pk,
        "VIP",
    )
    assert comment["threadId"] == handoff.conversation.thread_id
    assert comment["createdAt"] == comment["updatedAt"]
    listed = agent_client.get(api_url(bot, HANDOFFS)).json()[0]["comments"]
    assert [c["id"] for c in listed] == [comment["id"]]


def test_a_comment_without_content_is_422(agent_client, bot):
    handoff = open_handoff(bot)

    response = agent_client.post(
        api_url(bot, f"{HANDOFFS}/{handoff.pk}/comments"), {}, format="json"
    )

    assert response.status_code == 422
