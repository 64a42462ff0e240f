"""Issue 19, item 5: deeply nested JSON is refused wherever JSON comes in (400, or an error frame
on a socket that lives on), never a RecursionError that answers 500 or closes a socket with 1011."""

from __future__ import annotations

import json

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from agents.json_input import MAX_JSON_DEPTH, JSONInputError, loads_safely
from channels_adapters import services as adapter_services
from channels_adapters.models import MessengerSettings
from channels_adapters.routing import websocket_urlpatterns
from handoffs.models import Bot, Message
from handoffs.realtime.consumers import WorkspaceConsumer
from tests.api.conftest import api_url
from tests.channels_adapters.conftest import hub_signature

# About 60 KB each: far past Python's recursion limit, under every body cap.
DEEP_ARRAY = "[" * 30_000 + "]" * 30_000
DEEP_OBJECT = '{"a":' * 10_000 + "1" + "}" * 10_000
# Under the recursion limit, so json.loads alone takes it, but deeper than any real payload.
NESTED_PAYLOAD = '{"userId": "u1", "text": "hi", "payload": ' + "[" * 200 + "]" * 200 + "}"
DEEP_BODIES = pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def assert_json_error(response) -> None:
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["statusCode"] == 400
    assert body["code"] in {"invalid_json", "parse_error"}
    assert body["message"]


class TestLoadsSafely:
    @DEEP_BODIES
    def test_deep_json_is_an_input_error(self, body):
        with pytest.raises(JSONInputError):
            loads_safely(body)

    def test_the_depth_limit_is_inclusive(self):
        assert loads_safely(nested(MAX_JSON_DEPTH)) is not None
        with pytest.raises(JSONInputError):
            loads_safely(nested(MAX_JSON_DEPTH + 1))

    def test_an_input_error_is_a_value_error(self):
        with pytest.raises(ValueError):
            loads_safely(b"{nope")


@pytest.mark.django_db
class TestHttp:
    @DEEP_BODIES
    def test_web_chat_rest_fallback_is_400(self, client, bot, body):
        token = adapter_services.web_token_new(bot=bot)

        response = client.post(
            f"/chat/{bot.bot_id}/messages/",
            data=body,
            content_type="application/json",
            headers={"X-Hitl-Chat-Token": token},
        )

        assert_json_error(response)
        assert not Message.objects.exists()

    @DEEP_BODIES
    def test_messenger_webhook_is_400(self, client, bot, body):
        MessengerSettings.objects.create(
            bot=bot, page_id="1001", verify_token="v", app_secret="app-secret"
        )

        response = client.post(
            f"/channels/messenger/{bot.bot_id}/",
            data=body.encode(),
            content_type="application/json",
            headers={"X-Hub-Signature-256": hub_signature(body.encode())},
        )

        assert_json_error(response)

    @DEEP_BODIES
    def test_api_ingest_is_400(self, token_client, bot, body):
        response = token_client.post(
            api_url(bot, "channels/api/messages"), body, content_type="application/json"
        )

        assert_json_error(response)

    def test_api_payload_nested_past_the_limit_is_400(self, token_client, bot):
        response = token_client.post(
            api_url(bot, "channels/api/messages"), NESTED_PAYLOAD, content_type="application/json"
        )

        assert_json_error(response)
        assert not Message.objects.exists()

    def test_web_chat_payload_nested_past_the_limit_is_400(self, client, bot):
        token = adapter_services.web_token_new(bot=bot)

        response = client.post(
            f"/chat/{bot.bot_id}/messages/",
            data=NESTED_PAYLOAD,
            content_type="application/json",
            headers={"X-Hitl-Chat-Token": token},
        )

        assert_json_error(response)
        assert not Message.objects.exists()

    @DEEP_BODIES
    def test_legacy_route_is_400(self, agent_client, conversation, body):
        url = api_url(conversation.end_user.bot, f"mod/hitl/sessions/{conversation.pk}/message")

        response = agent_client.post(url, body, content_type="application/json")

        assert_json_error(response)


@DEEP_BODIES
@pytest.mark.django_db
def test_admin_json_field_shows_a_form_error(admin, body):
    request = RequestFactory().post("/admin/handoffs/bot/add/")
    request.user = admin
    field = admin_site_form_field(Bot, "transfer_message", request)

    with pytest.raises(ValidationError):
        field.clean(body)
    assert field.clean('{"en": "Hold on"}') == {"en": "Hold on"}


def admin_site_form_field(model, name, request):
    model_admin = admin.site._registry[model]
    return model_admin.formfield_for_dbfield(model._meta.get_field(name), request)


@pytest.mark.django_db(transaction=True)
class TestSockets:
    @DEEP_BODIES
    async def test_web_chat_socket_answers_an_error_and_lives_on(self, bot, body):
        from channels.db import database_sync_to_async as db

        token = await db(adapter_services.web_token_new)(bot=bot)
        socket = WebsocketCommunicator(
            URLRouter(websocket_urlpatterns), f"/ws/chat/{bot.bot_id}/?token={token}"
        )
        connected, _ = await socket.connect()
        assert connected
        assert (await socket.receive_json_from(timeout=3))["type"] == "history"

        await socket.send_to(text_data=body)
        error = await socket.receive_json_from(timeout=3)
        await socket.send_json_to({"type": "ping"})
        pong = await socket.receive_json_from(timeout=3)
        await socket.disconnect()

        assert error["type"] == "error"
        assert error["code"] == "invalid_json"
        assert pong == {"type": "pong"}

    @DEEP_BODIES
    async def test_workspace_socket_answers_an_error_and_lives_on(self, agent, body):
        socket = WebsocketCommunicator(WorkspaceConsumer.as_asgi(), "/ws/workspace/")
        socket.scope["user"] = agent
        connected, _ = await socket.connect()
        assert connected

        await socket.send_to(text_data=body)
        error = await socket.receive_json_from(timeout=3)
        await socket.send_to(text_data=json.dumps({"type": "ping"}))
        pong = await socket.receive_json_from(timeout=3)
        await socket.disconnect()

        assert error["type"] == "error"
        assert pong == {"type": "pong"}
