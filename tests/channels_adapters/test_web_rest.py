"""The web chat page, the widget script, and the REST fallback of the chat socket."""

from __future__ import annotations

import json

import pytest
from django.contrib.staticfiles import finders

from channels_adapters import services as adapter_services
from handoffs.models import Message

from .conftest import chat_token

pytestmark = pytest.mark.django_db


def post(client, bot_id: str, data, token: str | None, **headers: str):
    headers = {**headers, "X-Hitl-Chat-Token": token} if token else headers
    body = data if isinstance(data, bytes) else json.dumps(data)
    return client.post(
        f"/chat/{bot_id}/messages/", data=body, content_type="application/json", headers=headers
    )


def get(client, bot_id: str, token: str, after: int | None = None):
    query = {"after": after} if after is not None else {}
    return client.get(f"/chat/{bot_id}/messages/", query, headers={"X-Hitl-Chat-Token": token})


def test_page_gives_a_new_visitor_a_signed_id(client, bot):
    response = client.get(f"/chat/{bot.bot_id}/")

    assert response.status_code == 200
    token = response.context["token"]
    assert adapter_services.web_user_from_token(bot=bot, token=token).startswith("web-")
    assert response.cookies["hitl_chat"].value == token
    # The widget shows the page in an iframe on other sites.
    assert "X-Frame-Options" not in response.headers


def test_page_keeps_a_returning_visitor(client, bot):
    first = client.get(f"/chat/{bot.bot_id}/").context["token"]

    again = client.get(f"/chat/{bot.bot_id}/").context["token"]

    assert again == first


def test_page_of_an_unknown_bot_is_404(client):
    assert client.get("/chat/nobody/").status_code == 404


def test_widget_script_is_served():
    path = finders.find("hitl/widget.js")

    assert path is not None
    with open(path) as script:
        assert "data-bot-id" in script.read()


def test_post_stores_the_message_once_per_client_id(client, bot):
    token = chat_token(bot)
    data = {"text": "hello", "clientMessageId": "abc-1"}

    first = post(client, bot.bot_id, data, token)
    again = post(client, bot.bot_id, data, token)

    assert first.status_code == 201
    assert again.status_code == 200
    assert first.json()["message"]["id"] == again.json()["message"]["id"]
    assert Message.objects.filter(direction="incoming").count() == 1


def test_post_without_a_valid_token_is_403(client, bot):
    assert post(client, bot.bot_id, {"text": "hi"}, None).status_code == 403
    assert post(client, bot.bot_id, {"text": "hi"}, "web-forged:sig").status_code == 403
    assert not Message.objects.exists()


def test_token_of_another_bot_is_refused(client, bot):
    from tests.factories import BotFactory

    other = BotFactory()

    response = post(client, bot.bot_id, {"text": "hi"}, chat_token(other))

    assert response.status_code == 403


def test_post_to_an_unknown_bot_is_404(client, bot):
    assert post(client, "nobody", {"text": "hi"}, chat_token(bot)).status_code == 404


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        ({"text": "x" * 10_001}, 413, "text_too_long"),
        ({"text": "", "payload": {"blob": "x" * 20_000}}, 413, "payload_too_large"),
        (b"x" * 70_000, 413, "body_too_large"),
        (b"{not json", 400, "invalid_json"),
        ({"text": ""}, 422, "empty_message"),
        ({"text": 42}, 422, "invalid_text"),
        ({"text": "hi", "payload": [1]}, 422, "invalid_payload"),
        ({"text": "hi", "clientMessageId": "no spaces"}, 422, "invalid_client_message_id"),
    ],
)
def test_bad_input_is_a_clear_error_and_nothing_is_stored(client, bot, data, status, code):
    response = post(client, bot.bot_id, data, chat_token(bot))

    assert response.status_code == status
    assert response.json()["code"] == code
    assert not Message.objects.exists()


def test_get_returns_only_the_visitors_own_messages(client, bot):
    mine, theirs = chat_token(bot), chat_token(bot)
    post(client, bot.bot_id, {"text": "mine"}, mine)
    post(client, bot.bot_id, {"text": "theirs"}, theirs)

    messages = get(client, bot.bot_id, mine).json()["messages"]

    assert [m["text"] for m in messages] == ["mine"]


def test_get_after_an_id_polls_for_new_messages(client, bot):
    token = chat_token(bot)
    first = post(client, bot.bot_id, {"text": "one"}, token).json()["message"]
    post(client, bot.bot_id, {"text": "two"}, token)

    messages = get(client, bot.bot_id, token, after=first["id"]).json()["messages"]

    assert [m["text"] for m in messages] == ["two"]


def test_new_visitor_has_no_history(client, bot):
    assert get(client, bot.bot_id, chat_token(bot)).json() == {"messages": []}


def test_demo_bot_answers_over_rest(client, demo_bot):
    token = chat_token(demo_bot)
    post(client, demo_bot.bot_id, {"text": "hello"}, token)

    messages = get(client, demo_bot.bot_id, token).json()["messages"]

    assert [m["direction"] for m in messages] == ["incoming", "outgoing"]


def test_a_new_visitor_hears_the_bot_in_their_browsers_language(client, bot):
    from handoffs import services
    from handoffs.models import EndUser

    token = chat_token(bot)
    french = {"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}
    assert post(client, bot.bot_id, {"text": "Bonjour"}, token, **french).status_code == 201
    # Later requests never change it: a bot may have set another through the API.
    post(client, bot.bot_id, {"text": "Hello"}, token, **{"Accept-Language": "en-GB"})

    visitor = EndUser.objects.get(bot=bot, channel="web")
    assert visitor.variables == {"language": "fr-CA"}
    services.handoff_request(conversation=visitor.conversations.get())
    notice = Message.objects.filter(direction="system").get()
    assert notice.text == "Vous êtes transféré(e) à un agent."


@pytest.mark.parametrize("header", ["*", "", "fr_FR", "x" * 40, "12,fr"])
def test_no_language_from_a_header_that_names_none(client, bot, header):
    from handoffs.models import EndUser

    post(client, bot.bot_id, {"text": "Hi"}, chat_token(bot), **{"Accept-Language": header})

    assert EndUser.objects.get(bot=bot, channel="web").variables == {}


def test_a_refused_first_message_leaves_no_visitor(client, bot):
    from handoffs.models import EndUser

    response = post(client, bot.bot_id, {"text": "   "}, chat_token(bot))

    assert response.status_code == 422
    assert not EndUser.objects.exists()
