"""Who may call what: credentials, workspaces, and bodies that are not what they should be."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from agents.models import ApiToken
from handoffs import services
from tests.factories import ConversationFactory

from .conftest import api_url

pytestmark = pytest.mark.django_db

# Every endpoint; {h} a handoff, {c} a conversation, {u} a user of the bot in the URL.
ENDPOINTS = [
    ("post", "mod/hitl/sessions/{c}/pause"),
    ("post", "mod/hitl/sessions/{c}/unpause"),
    ("post", "mod/hitl/channel/web/user/{u}/pause"),
    ("post", "mod/hitl/channel/web/user/{u}/unpause"),
    ("get", "mod/hitlnext/config"),
    ("get", "mod/hitlnext/availability"),
    ("get", "mod/hitlnext/agents"),
    ("get", "mod/hitlnext/agents/me"),
    ("patch", "mod/hitlnext/agents/me"),
    ("post", "mod/hitlnext/agents/me/online"),
    ("get", "mod/hitlnext/handoffs"),
    ("post", "mod/hitlnext/handoffs"),
    ("post", "mod/hitlnext/handoffs/{h}"),
    ("post", "mod/hitlnext/handoffs/{h}/assign"),
    ("post", "mod/hitlnext/handoffs/{h}/resolve"),
    ("post", "mod/hitlnext/handoffs/{h}/reject"),
    ("post", "mod/hitlnext/handoffs/{h}/requeue"),
    ("post", "mod/hitlnext/handoffs/{h}/transfer"),
    ("post", "mod/hitlnext/handoffs/{h}/comments"),
    ("get", "mod/hitlnext/conversations/{c}/messages"),
    ("post", "mod/hitlnext/conversations/{c}/messages"),
    ("get", "mod/hitlnext/conversations/{c}/notes"),
    ("post", "mod/hitlnext/conversations/{c}/notes"),
    ("get", "mod/hitlnext/users/{u}"),
    ("patch", "mod/hitlnext/users/{u}"),
    ("post", "channels/api/messages"),
]


def endpoint_url(bot, path: str) -> str:
    conversation = ConversationFactory(end_user__bot=bot)
    handoff, _ = services.handoff_request(conversation=conversation)
    filled = path.format(h=handoff.pk, c=conversation.pk, u=conversation.end_user.external_id)
    return api_url(bot, filled)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_without_credentials_is_401(method, path, anon_client, bot):
    response = getattr(anon_client, method)(endpoint_url(bot, path), {}, format="json")

    assert response.status_code == 401
    assert response.json()["statusCode"] == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("client_name", ["token_client", "agent_client"])
@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_another_workspaces_bot_is_404(method, path, client_name, foreign_bot, request):
    client = request.getfixturevalue(client_name)

    response = getattr(client, method)(endpoint_url(foreign_bot, path), {}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "bot_not_found"


def test_an_unknown_bot_answers_like_a_foreign_one(token_client, foreign_bot):
    unknown = token_client.get(api_url("no-such-bot", "mod/hitlnext/config"))
    foreign = token_client.get(api_url(foreign_bot, "mod/hitlnext/config"))

    assert unknown.status_code == foreign.status_code == 404
    assert unknown.json() == foreign.json()


def test_invalid_token_is_401(bot):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer nope.nope")

    response = client.get(api_url(bot, "mod/hitlnext/config"))

    assert response.status_code == 401
    assert response.json()["message"] == "Invalid or revoked token."


def test_revoked_token_is_401(token_client, bot):
    ApiToken.objects.update(revoked=True)

    assert token_client.get(api_url(bot, "mod/hitlnext/config")).status_code == 401


def test_token_records_its_last_use(token_client, bot):
    token_client.get(api_url(bot, "mod/hitlnext/config"))

    assert ApiToken.objects.get().last_used_at is not None


def test_session_of_a_non_member_is_404(bot):
    from tests.factories import UserFactory

    client = APIClient()
    client.force_login(UserFactory())

    assert client.get(api_url(bot, "mod/hitlnext/config")).status_code == 404


def test_session_writes_need_the_csrf_token(agent, bot):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(agent)

    response = client.post(api_url(bot, "mod/hitlnext/agents/me/online"), {"online": False})

    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]


def test_an_online_agents_api_call_counts_as_activity(agent_client, agent, bot):
    membership = agent.memberships.get()
    membership.last_seen_at = timezone.now() - timezone.timedelta(hours=1)
    membership.save()

    agent_client.get(api_url(bot, "mod/hitlnext/config"))

    membership.refresh_from_db()
    assert timezone.now() - membership.last_seen_at < timezone.timedelta(minutes=1)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"userId": ',
        b"not json",
        b'{"userId": "a\\u0000b", "userChannel": "web"}',
        b'{"userId": "\\ud800", "userChannel": "web"}',
        b'{"userId": "a", "userChannel": "web", "timeoutDelay": NaN}',
        b"[" * 5000 + b"]" * 5000,
        b"\xff\xfe",
    ],
)
def test_a_body_that_is_not_storable_json_is_400(raw, token_client, bot):
    response = token_client.post(
        api_url(bot, "mod/hitlnext/handoffs"), raw, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_body_in_an_unknown_charset_is_read_as_utf8(token_client, bot):
    body = '{"userId": "Zoë", "userChannel": "web"}'.encode()
    response = token_client.post(
        api_url(bot, "mod/hitlnext/handoffs"), body, content_type="application/json; charset=nope"
    )

    assert response.status_code == 201
    assert response.json()["userId"] == "Zoë"


@pytest.mark.parametrize("raw", [b"[]", b'"text"', b"null", b"42"])
def test_a_body_that_is_not_an_object_is_422(raw, token_client, bot):
    response = token_client.post(
        api_url(bot, "mod/hitlnext/handoffs"), raw, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["statusCode"] == 422


def test_a_form_body_is_415(token_client, bot):
    response = token_client.post(
        api_url(bot, "mod/hitlnext/handoffs"), {"userId": "a", "userChannel": "web"}
    )

    assert response.status_code == 415


@pytest.mark.parametrize(
    "path",
    ["mod/hitlnext/handoffs/-1/assign", "mod/hitlnext/nothing", "mod/hitlnext/handoffs/x"],
)
def test_an_unknown_path_answers_with_the_error_body(path, token_client, bot):
    response = token_client.post(api_url(bot, path))

    assert response.status_code == 404
    assert response.json() == {
        "statusCode": 404,
        "code": "not_found",
        "message": "No such API path.",
    }


def test_a_wrong_method_is_405(token_client, bot):
    response = token_client.delete(api_url(bot, "mod/hitlnext/config"))

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_a_body_over_the_upload_limit_is_413(token_client, bot, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"userId": "u1", "payload": {"blob": "x" * 2000}}

    response = token_client.post(api_url(bot, "channels/api/messages"), body, format="json")

    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


@pytest.mark.parametrize(
    "path",
    [
        "mod/hitlnext/handoffs/99999999999999999999999/assign",
        "mod/hitlnext/conversations/99999999999999999999999/messages",
        "mod/hitl/sessions/99999999999999999999999/pause",
    ],
)
def test_an_id_beyond_any_integer_is_404(path, agent_client, bot):
    response = agent_client.post(api_url(bot, path), {"text": "x"}, format="json")

    assert response.status_code == 404
