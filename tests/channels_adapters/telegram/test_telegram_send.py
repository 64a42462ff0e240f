"""Telegram out: the Bot API on a local fake server, through the delivery workers.

Follows the Bot API docs: sendMessage takes `chat_id` and 1-4096 characters of `text`, read as
plain text when no `parse_mode` is given, and `reply_markup` with an `inline_keyboard` of
InlineKeyboardButton `text` / `callback_data` (1-64 bytes)
(https://core.telegram.org/bots/api#sendmessage,
https://core.telegram.org/bots/api#inlinekeyboardbutton); sendPhoto / sendDocument take an HTTP
URL (https://core.telegram.org/bots/api#sendphoto); answerCallbackQuery takes
`callback_query_id` (https://core.telegram.org/bots/api#answercallbackquery); a refused call
answers `{"ok": false, "error_code", "description"}`, and flood control answers 429 with
ResponseParameters `retry_after`, the seconds to wait before repeating the request
(https://core.telegram.org/bots/api#making-requests,
https://core.telegram.org/bots/api#responseparameters).
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async as db
from django.utils import timezone

from handoffs import services
from handoffs.models import Delivery, Message
from handoffs.services.delivery_engine import deliveries_deliver_due
from tests.deliveries import deliver_due

from .conftest import API, BOT_TOKEN, CHAT_ID, callback_update, telegram_post

OK = {"ok": True, "result": {"message_id": 1}}
FLOOD = {
    "ok": False,
    "error_code": 429,
    "description": "Too Many Requests: retry after 30",
    "parameters": {"retry_after": 30},
}

pytestmark = pytest.mark.django_db


def bot_says(capture, conversation, text="Hello from the bot", *, passes=1, **kwargs) -> Message:
    with capture(execute=True):
        message = services.message_send_bot(conversation=conversation, text=text, **kwargs)
    deliver_due(passes=passes)
    message.refresh_from_db()
    return message


def calls(server) -> list[tuple[str, dict]]:
    """(method, JSON body) of each request the fake Bot API received."""
    return [
        (request.path.rsplit("/", 1)[-1], json.loads(request.get_data()))
        for request, _ in server.log
    ]


def expect(server, method: str, answer: dict = OK, status: int = 200):
    server.expect_request(f"{API}/{method}", method="POST").respond_with_json(answer, status=status)


def test_bot_message_goes_out_as_plain_text(
    bot_api, telegram_conversation, django_capture_on_commit_callbacks
):
    expect(bot_api, "sendMessage")

    message = bot_says(django_capture_on_commit_callbacks, telegram_conversation)

    assert message.delivery_status == "sent"
    assert calls(bot_api) == [
        ("sendMessage", {"chat_id": str(CHAT_ID), "text": "Hello from the bot"})
    ]
    request, _ = bot_api.log[0]
    assert request.headers["X-Hitl-Delivery"] == str(Delivery.objects.get().delivery_id)


def test_markdown_characters_go_as_typed_without_parse_mode(
    bot_api, telegram_conversation, django_capture_on_commit_callbacks
):
    expect(bot_api, "sendMessage")
    text = "Order *#12_3* [link](x) `code` ~a~ > b + c - d = e | {f} . ! \\"

    bot_says(django_capture_on_commit_callbacks, telegram_conversation, text=text)

    ((_, body),) = calls(bot_api)
    assert body["text"] == text
    assert "parse_mode" not in body


def test_agent_message_goes_out_after_the_transfer_message(
    bot_api, telegram_conversation, agent, django_capture_on_commit_callbacks
):
    expect(bot_api, "sendMessage")
    with django_capture_on_commit_callbacks(execute=True):
        handoff, _ = services.handoff_request(conversation=telegram_conversation)
        services.handoff_assign(handoff=handoff, agent=agent)
        message = services.message_send_agent(
            conversation=telegram_conversation, agent=agent, text="Hi, I'm here"
        )
    deliver_due()

    message.refresh_from_db()
    assert message.delivery_status == "sent"
    texts = [body["text"] for _, body in calls(bot_api)]
    assert texts[0] == "You are being transferred to an agent."
    assert texts[-1] == "Hi, I'm here"


def test_long_text_goes_in_parts_of_4096_utf16_units(
    bot_api, telegram_conversation, django_capture_on_commit_callbacks
):
    expect(bot_api, "sendMessage")
    # An emoji outside the BMP counts as two UTF-16 units in Telegram's limit.
    text = "a" * 4095 + "😀" + "b" * 10

    bot_says(django_capture_on_commit_callbacks, telegram_conversation, text=text)

    parts = [body["text"] for _, body in calls(bot_api)]
    assert parts == ["a" * 4095, "😀" + "b" * 10]


def test_quick_replies_become_an_inline_keyboard_on_the_last_part(
    bot_api, telegram_conversation, django_capture_on_commit_callbacks
):
    expect(bot_api, "sendMessage")
    choices = [
        {"title": "Yes", "value": "Y"},
        {"title": "No"},
        {"title": "Long", "value": "é" * 40},  # 80 bytes: cut to 64, never inside a character
    ]

    bot_says(
        django_capture_on_commit_callbacks,
        telegram_conversation,
        text="Did that help?",
        payload={"type": "quick_reply", "choices": choices},
    )

    ((_, body),) = calls(bot_api)
    assert body["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Yes", "callback_data": "Y"}],
            [{"text": "No", "callback_data": "No"}],
            [{"text": "Long", "callback_data": "é" * 32}],
        ]
    }


@pytest.mark.parametrize(
    ("kind", "method", "field"),
    [("image", "sendPhoto", "photo"), ("file", "sendDocument", "document")],
)
def test_media_go_by_link(
    bot_api, telegram_conversation, django_capture_on_commit_callbacks, kind, method, field
):
    expect(bot_api, "sendMessage")
    expect(bot_api, method)
    url = "https://cdn.example/thing"

    message = bot_says(
        django_capture_on_commit_callbacks,
        telegram_conversation,
        text="Here it is",
        payload={"type": kind, "url": url},
    )

    assert message.delivery_status == "sent"
    assert calls(bot_api) == [
        ("sendMessage", {"chat_id": str(CHAT_ID), "text": "Here it is"}),
        (method, {"chat_id": str(CHAT_ID), field: url}),
    ]


def test_429_waits_for_retry_after_then_sends(
    bot_api, settings, telegram_conversation, django_capture_on_commit_callbacks
):
    settings.DELIVERY_BACKOFF_BASE_SECONDS = 1
    bot_api.expect_ordered_request(f"{API}/sendMessage", method="POST").respond_with_json(
        FLOOD, status=429
    )
    bot_api.expect_ordered_request(f"{API}/sendMessage", method="POST").respond_with_json(OK)
    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_send_bot(conversation=telegram_conversation, text="Hi")
    start = timezone.now()

    deliveries_deliver_due(now=start)
    delivery = Delivery.objects.get()
    assert delivery.next_attempt_at - start >= timedelta(seconds=30)
    deliveries_deliver_due(now=start + timedelta(seconds=10))  # the backoff alone would send
    assert len(bot_api.log) == 1
    deliveries_deliver_due(now=start + timedelta(seconds=31))

    message.refresh_from_db()
    assert message.delivery_status == "sent"
    assert len(bot_api.log) == 2
    bot_api.check_assertions()


def test_429_on_a_later_part_sends_only_the_rest(
    bot_api, telegram_conversation, django_capture_on_commit_callbacks
):
    for answer, status in ((OK, 200), (FLOOD, 429), (OK, 200)):
        bot_api.expect_ordered_request(f"{API}/sendMessage", method="POST").respond_with_json(
            answer, status=status
        )

    message = bot_says(
        django_capture_on_commit_callbacks, telegram_conversation, text="a" * 5000, passes=2
    )

    assert message.delivery_status == "sent"
    assert [len(body["text"]) for _, body in calls(bot_api)] == [4096, 904, 904]


def test_refusal_is_final_and_says_why(
    bot_api, telegram_conversation, django_capture_on_commit_callbacks
):
    refusal = {
        "ok": False,
        "error_code": 403,
        "description": "Forbidden: bot was blocked by the user",
    }
    expect(bot_api, "sendMessage", refusal, status=403)

    message = bot_says(django_capture_on_commit_callbacks, telegram_conversation, passes=3)

    assert message.delivery_status == "failed"
    assert message.delivery_error == (
        "Telegram Bot API refused the message (403): Forbidden: bot was blocked by the user"
    )
    assert len(bot_api.log) == 1
    assert BOT_TOKEN not in message.delivery_error


def test_5xx_is_retried_then_marks_the_message_failed(
    bot_api, telegram_conversation, django_capture_on_commit_callbacks
):
    bot_api.expect_request(f"{API}/sendMessage", method="POST").respond_with_data(
        "bad gateway", status=502
    )

    message = bot_says(django_capture_on_commit_callbacks, telegram_conversation, passes=4)

    assert message.delivery_status == "failed"
    assert message.delivery_error == "Telegram Bot API answered 502."
    assert len(bot_api.log) == 3
    assert Delivery.objects.get().status == "dead"


def test_unreachable_api_says_so_without_the_token(
    settings, caplog, telegram_conversation, django_capture_on_commit_callbacks
):
    from tests.servers import free_port

    settings.TELEGRAM_API_URL = f"http://127.0.0.1:{free_port()}"
    caplog.set_level(logging.INFO)

    message = bot_says(django_capture_on_commit_callbacks, telegram_conversation, passes=3)

    assert message.delivery_status == "failed"
    assert message.delivery_error == "The destination refused the connection or is not reachable."
    assert BOT_TOKEN not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_request_sends_nothing_the_worker_sends_it(bot_api, telegram_conversation):
    expect(bot_api, "sendMessage")

    message = services.message_send_bot(conversation=telegram_conversation, text="later")

    assert bot_api.log == []
    assert Delivery.objects.get().payload == {"messageId": message.pk}
    deliver_due()
    message.refresh_from_db()
    assert message.delivery_status == "sent"


def test_user_messages_are_not_sent_back(bot_api, telegram_bot, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_ingest(bot=telegram_bot.bot, channel="telegram", user_id="1", text="hi")
    deliver_due()

    assert bot_api.log == []


def test_button_press_is_answered_by_the_worker(bot_api, client, telegram_bot):
    expect(bot_api, "answerCallbackQuery", {"ok": True, "result": True})

    telegram_post(client, telegram_bot.bot.bot_id, callback_update("Y"))
    assert bot_api.log == []
    deliver_due()

    assert calls(bot_api) == [("answerCallbackQuery", {"callback_query_id": "cbq-77"})]
    assert Delivery.objects.get().status == "delivered"


def test_the_token_in_the_api_url_stays_out_of_the_logs(
    bot_api, caplog, telegram_conversation, django_capture_on_commit_callbacks
):
    expect(bot_api, "sendMessage")
    caplog.set_level(logging.INFO)

    bot_says(django_capture_on_commit_callbacks, telegram_conversation)

    assert len(bot_api.log) == 1
    # The fake Bot API's own access log (werkzeug) is the receiver's, not ours.
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug")]
    assert not [line for line in ours if BOT_TOKEN in line]


@pytest.mark.django_db(transaction=True)
async def test_agents_see_a_failed_delivery_live(connect, bot_api, telegram_conversation, agent):
    blocked = {
        "ok": False,
        "error_code": 403,
        "description": "Forbidden: bot was blocked by the user",
    }
    expect(bot_api, "sendMessage", blocked, status=403)
    socket = await connect(agent)

    message = await db(services.message_send_bot)(conversation=telegram_conversation, text="Hi")
    await db(deliver_due)()

    while (event := await socket.receive_json_from(timeout=5))["type"] != "message.updated":
        pass
    assert event["payload"]["id"] == message.pk
    assert event["payload"]["deliveryStatus"] == "failed"
    assert "bot was blocked by the user" in event["payload"]["deliveryError"]
