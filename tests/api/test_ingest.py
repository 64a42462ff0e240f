"""Messages from a bot platform: stored once, and routed to the agents while paused."""

from __future__ import annotations

import pytest

from handoffs.models import Conversation, EndUser, Message

from .conftest import api_url

pytestmark = pytest.mark.django_db

INGEST = "channels/api/messages"


def test_a_users_first_message_creates_them(token_client, bot, new_events):
    body = {"userId": "u1", "text": "Hi", "user": {"fullName": "Ada", "plan_tier": "gold"}}

    response = token_client.post(api_url(bot, INGEST), body, format="json")

    assert response.status_code == 201
    data = response.json()
    assert (data["routedTo"], data["created"]) == ("bot", True)
    assert (data["message"]["direction"], data["message"]["text"]) == ("incoming", "Hi")
    end_user = EndUser.objects.get(bot=bot, channel="api", external_id="u1")
    assert end_user.variables == {"fullName": "Ada", "plan_tier": "gold"}
    assert "message.created" in [t for t, _ in new_events()]


def test_a_replay_of_the_same_external_id_stores_nothing(token_client, bot, new_events):
    body = {"userId": "u1", "text": "Hi", "externalId": "m-1"}

    first = token_client.post(api_url(bot, INGEST), body, format="json")
    events = len(new_events())
    again = token_client.post(api_url(bot, INGEST), body, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["created"] is False
    assert again.json()["message"]["id"] == first.json()["message"]["id"]
    assert Message.objects.filter(external_id="m-1").count() == 1
    assert len(new_events()) == events


def test_while_paused_a_message_goes_to_the_agents(token_client, bot):
    token_client.post(api_url(bot, "mod/hitl/channel/api/user/u1/pause"))

    response = token_client.post(
        api_url(bot, INGEST), {"userId": "u1", "payload": {"type": "image"}}, format="json"
    )

    assert response.json()["routedTo"] == "agent"


def test_the_bots_own_reply_is_outgoing(token_client, bot):
    body = {"userId": "u1", "text": "How can I help?", "direction": "outgoing"}

    response = token_client.post(api_url(bot, INGEST), body, format="json")

    assert response.json()["message"]["direction"] == "outgoing"


def test_a_thread_is_its_own_conversation(token_client, bot):
    for thread in ("a", "b"):
        body = {"userId": "u1", "threadId": thread, "text": "Hi"}
        token_client.post(api_url(bot, INGEST), body, format="json")

    assert Conversation.objects.filter(bot=bot).count() == 2


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"text": "Hi"}, 422),
        ({"userId": "u1"}, 422),
        ({"userId": "u1", "text": "Hi", "direction": "agent"}, 422),
        ({"userId": "u1", "text": ["Hi"]}, 422),
        ({"userId": "u1", "payload": [1]}, 422),
        ({"userId": "u1", "text": "Hi", "user": "Ada"}, 422),
        ({"userId": "u" * 201, "text": "Hi"}, 422),
        ({"userId": "u1", "text": "Hi", "externalId": "e" * 201}, 422),
        ({"userId": "u1", "text": "x" * 10_001}, 413),
    ],
)
def test_a_bad_message_is_refused_and_not_stored(body, status, token_client, bot):
    response = token_client.post(api_url(bot, INGEST), body, format="json")

    assert response.status_code == status
    assert response.json()["statusCode"] == status
    assert not Message.objects.exists()


@pytest.mark.parametrize("channel", ["c" * 41, "a b", "é"])
def test_a_bad_channel_is_422(channel, token_client, bot):
    response = token_client.post(
        api_url(bot, f"channels/{channel}/messages"), {"userId": "u", "text": "x"}, format="json"
    )

    assert response.status_code == 422


def test_a_channel_layer_down_does_not_fail_the_message(
    token_client, bot, monkeypatch, django_capture_on_commit_callbacks
):
    """The outbox row is the truth: agents get the event by catch-up once the layer is back."""
    from channels.layers import get_channel_layer

    calls = []

    async def unreachable(*args, **kwargs):
        calls.append(args)
        raise ConnectionError("redis is down")

    monkeypatch.setattr(get_channel_layer(), "group_send", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client.post(
            api_url(bot, INGEST), {"userId": "u1", "text": "still here"}, format="json"
        )

    assert calls, "the event was published"
    assert response.status_code == 201
    assert Message.objects.filter(text="still here").count() == 1


def test_a_representation_matches_the_stored_message(token_client, bot):
    """The response reuses the event's copy of the message: it must be the same as a read."""
    response = token_client.post(
        api_url(bot, INGEST), {"userId": "u1", "text": "hello", "externalId": "x-1"}, format="json"
    )
    listed = token_client.get(
        api_url(
            bot,
            f"mod/hitlnext/conversations/{response.json()['message']['conversationId']}/messages",
        )
    )
    assert listed.status_code == 200
    message = response.json()["message"]
    item = listed.json()[-1]
    # The list's item is the same message with Botpress's stored-event fields beside.
    assert {key: item[key] for key in message} == message
