"""Issue 19, item 1: every door an anonymous or abusive caller can knock on has a limit, and a
refusal is a 429 with the seconds to wait. Each test sets its limit small (the defaults are in
settings.RATE_LIMITS) and counts in a cache of its own (tests/conftest.py `rate_limits`).
Limits are per hour: the counter's windows are fixed (agents/limits.py), and a test that ran
across the end of a one-minute window would see its count start again."""

from __future__ import annotations

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import Client

from agents.sign_in_guard import _hashing_slots
from channels_adapters import services as adapter_services
from channels_adapters.routing import websocket_urlpatterns
from handoffs import services
from handoffs.models import Handoff
from tests.api.conftest import api_url
from tests.factories import BotFactory, EndUserFactory, UserFactory

pytestmark = [pytest.mark.limits, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def limit(settings):
    def set_limit(name: str, rate: str) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, name: rate}

    return set_limit


@pytest.fixture
def ada():
    user = UserFactory(username="ada")
    user.set_password("the right password 1")
    user.save()
    return user


def sign_in(password: str, address: str = "198.51.100.7"):
    return Client(REMOTE_ADDR=address).post(
        "/accounts/login/", {"username": "ada", "password": password}
    )


def assert_too_many(response) -> None:
    assert response.status_code == 429, response.content
    assert int(response["Retry-After"]) >= 1


class TestSignIn:
    def test_an_address_past_its_sign_in_rate_gets_429(self, limit, ada, settings):
        settings.AXES_FAILURE_LIMIT = 100
        limit("login_ip", "3/h")

        answers = [sign_in("wrong") for _ in range(3)]
        refused = sign_in("the right password 1")

        assert [a.status_code for a in answers] == [200, 200, 200]
        assert_too_many(refused)
        # Another address is not held back by this one.
        assert sign_in("the right password 1", address="198.51.100.8").status_code == 302

    def test_a_username_is_locked_after_repeated_failures_from_any_address(
        self, limit, ada, settings
    ):
        limit("login_ip", "")
        settings.AXES_FAILURE_LIMIT = 3

        for n in range(3):
            sign_in("wrong", address=f"203.0.113.{n}")
        locked = sign_in("the right password 1", address="203.0.113.50")

        assert locked.status_code == 429
        from django.core.management import call_command

        call_command("axes_reset_username", "ada")
        assert sign_in("the right password 1", address="203.0.113.50").status_code == 302

    def test_a_sign_in_while_hashing_is_busy_is_refused_at_once(self, limit, ada):
        limit("login_ip", "")
        slots = _hashing_slots()
        assert slots.acquire(blocking=False)  # another sign-in is hashing
        try:
            busy = sign_in("the right password 1")
        finally:
            slots.release()

        assert_too_many(busy)
        assert sign_in("the right password 1").status_code == 302

    def test_password_resets_are_limited_per_address_and_per_address_mailed(self, limit, ada):
        limit("password_reset_ip", "3/h")
        limit("password_reset_email", "2/h")

        def reset(email: str, address: str = "198.51.100.7"):
            return Client(REMOTE_ADDR=address).post("/accounts/password_reset/", {"email": email})

        assert [reset("a@example.com").status_code for _ in range(2)] == [302, 302]
        assert_too_many(reset("a@example.com", address="198.51.100.99"))
        assert reset("b@example.com").status_code == 302
        assert_too_many(reset("c@example.com"))


class TestWebChat:
    def post(self, bot, token: str, text: str, address: str = "198.51.100.7"):
        return Client(REMOTE_ADDR=address).post(
            f"/chat/{bot.bot_id}/messages/",
            {"text": text},
            content_type="application/json",
            headers={"X-Hitl-Chat-Token": token},
        )

    def test_new_visitors_from_one_address_are_limited(self, limit):
        bot = BotFactory()
        limit("webchat_visitor_ip", "2/h")

        first, second, third = (
            self.post(bot, adapter_services.web_token_new(bot=bot), "hi") for _ in range(3)
        )

        assert (first.status_code, second.status_code) == (201, 201)
        assert_too_many(third)
        assert third.json()["code"] == "rate_limited"
        assert third.json()["retryAfter"] >= 1

    def test_one_visitors_messages_are_limited(self, limit):
        bot = BotFactory()
        limit("webchat_message", "3/h")
        token = adapter_services.web_token_new(bot=bot)

        answers = [self.post(bot, token, f"m{n}").status_code for n in range(3)]

        assert answers == [201, 201, 201]
        assert_too_many(self.post(bot, token, "one more"))

    async def test_a_visitor_writing_too_fast_on_the_socket_gets_an_error_frame(self, limit):
        from channels.db import database_sync_to_async as db

        bot = await db(BotFactory)()
        limit("webchat_message", "1/h")
        token = await db(adapter_services.web_token_new)(bot=bot)
        socket = await open_chat(bot.bot_id, token)
        await socket.receive_json_from()  # history

        await socket.send_json_to({"type": "message", "text": "one", "clientMessageId": "c1"})
        ack = await socket.receive_json_from(timeout=5)
        await socket.send_json_to({"type": "message", "text": "two", "clientMessageId": "c2"})
        refused = await next_frame(socket, "error")
        await socket.disconnect()

        assert ack["type"] == "ack"
        assert refused["code"] == "rate_limited" and refused["retryAfter"] >= 1

    async def test_one_visitor_holds_a_few_sockets_only(self, settings):
        from channels.db import database_sync_to_async as db

        settings.WEBCHAT_SOCKETS_PER_VISITOR = 2
        bot = await db(BotFactory)()
        token = await db(adapter_services.web_token_new)(bot=bot)
        kept = [await open_chat(bot.bot_id, token) for _ in range(2)]
        for socket in kept:
            await socket.receive_json_from()

        third = await open_chat(bot.bot_id, token)
        closed = await third.receive_output(timeout=5)
        for socket in kept:
            await socket.disconnect()
        fourth = await open_chat(bot.bot_id, token)
        history = await fourth.receive_json_from()
        await fourth.disconnect()

        assert closed == {"type": "websocket.close", "code": 4429}
        assert history["type"] == "history"

    async def test_an_address_opening_sockets_too_fast_is_refused(self, limit):
        from channels.db import database_sync_to_async as db

        limit("webchat_socket_ip", "2/h")
        bot = await db(BotFactory)()
        token = await db(adapter_services.web_token_new)(bot=bot)
        for _ in range(2):
            socket = await open_chat(bot.bot_id, token)
            await socket.receive_json_from()
            await socket.disconnect()

        refused = await open_chat(bot.bot_id, token)

        assert await refused.receive_output(timeout=5) == {"type": "websocket.close", "code": 4429}


def test_an_api_token_posting_too_many_messages_gets_429(limit, token_client, bot):
    limit("token_message", "3/h")
    url = api_url(bot, "channels/api/messages")

    answers = [
        token_client.post(url, {"userId": "u", "text": f"m{n}"}, format="json") for n in range(3)
    ]
    refused = token_client.post(url, {"userId": "u", "text": "one more"}, format="json")

    assert [a.status_code for a in answers] == [201, 201, 201]
    assert_too_many(refused)
    assert refused.json()["code"] == "rate_limited"


def test_one_user_asking_for_a_human_again_and_again_is_limited(limit, token_client, bot):
    limit("handoff_user", "2/h")
    EndUserFactory(bot=bot, channel="api", external_id="u1")
    url = api_url(bot, "mod/hitlnext/handoffs")
    body = {"userId": "u1", "userThreadId": "t1", "userChannel": "api"}

    first = token_client.post(url, body, format="json")
    again_while_open = token_client.post(url, body, format="json")
    services.handoff_reject(handoff=Handoff.objects.get(pk=first.json()["id"]), actor=None)
    second = token_client.post(url, body, format="json")
    services.handoff_reject(handoff=Handoff.objects.get(pk=second.json()["id"]), actor=None)
    third = token_client.post(url, body, format="json")

    assert (first.status_code, again_while_open.status_code, second.status_code) == (201, 200, 201)
    assert_too_many(third)


async def open_chat(bot_id: str, token: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/chat/{bot_id}/?token={token}"
    )
    communicator.scope["client"] = ("198.51.100.7", 50000)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def next_frame(socket: WebsocketCommunicator, frame_type: str) -> dict:
    while True:
        frame = await socket.receive_json_from(timeout=5)
        if frame.get("type") == frame_type:
            return frame
