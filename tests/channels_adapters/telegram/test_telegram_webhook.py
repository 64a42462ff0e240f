"""Telegram in: the webhook's secret, every kind of user message, replays, bad input.

Follows the Bot API docs: setWebhook's `secret_token` comes back in the
X-Telegram-Bot-Api-Secret-Token header of every request
(https://core.telegram.org/bots/api#setwebhook); an Update carries `update_id` and at most one of
its optional kinds (https://core.telegram.org/bots/api#update); a Message has `chat`, `from`, and
`text` or a medium (`photo` as PhotoSize sizes, `document`, `voice`) with its `caption`
(https://core.telegram.org/bots/api#message); a CallbackQuery has `id`, `from`, the `message`
whose inline keyboard was pressed and the button's `data`
(https://core.telegram.org/bots/api#callbackquery).
"""

from __future__ import annotations

import pytest

from handoffs import services
from handoffs.models import Conversation, Delivery, EndUser, Message

from .conftest import CHAT_ID, callback_update, message_update, telegram_post

pytestmark = pytest.mark.django_db


def incoming(bot):
    return Message.objects.filter(conversation__bot=bot, direction="incoming").order_by("id")


# --- the secret ---------------------------------------------------------------------------


def test_text_message_is_stored_for_the_chat(client, telegram_bot):
    response = telegram_post(
        client, telegram_bot.bot.bot_id, message_update(5001, text="Where is my order?")
    )

    assert response.status_code == 200
    message = incoming(telegram_bot.bot).get()
    assert message.text == "Where is my order?"
    assert message.payload == {}
    assert message.external_id == "update-5001"
    assert message.conversation.channel == "telegram"
    assert message.conversation.end_user.external_id == str(CHAT_ID)


def test_wrong_secret_is_403_and_nothing_stored(client, telegram_bot):
    response = telegram_post(
        client, telegram_bot.bot.bot_id, message_update(text="hi"), secret="not-the-secret"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "invalid_secret_token"
    assert not Message.objects.exists()


def test_missing_secret_is_403(client, telegram_bot):
    response = telegram_post(
        client, telegram_bot.bot.bot_id, message_update(text="hi"), secret=None
    )

    assert response.status_code == 403
    assert not Message.objects.exists()


def test_another_bots_secret_is_403(client, telegram_bot, workspace):
    from channels_adapters.models import TelegramSettings
    from tests.factories import BotFactory

    other = TelegramSettings.objects.create(
        bot=BotFactory(workspace=workspace), bot_token="1:x", webhook_secret="other-secret"
    )

    response = telegram_post(
        client, telegram_bot.bot.bot_id, message_update(text="hi"), secret=other.webhook_secret
    )

    assert response.status_code == 403


def test_unknown_bot_is_404(client, telegram_bot):
    response = telegram_post(client, "no-such-bot", message_update(text="hi"))

    assert response.status_code == 404
    assert response.json()["code"] == "bot_not_found"


def test_bot_without_telegram_is_404(client, bot):
    response = telegram_post(client, bot.bot_id, message_update(text="hi"))

    assert response.status_code == 404


def test_get_is_not_allowed(client, telegram_bot):
    response = client.get(f"/channels/telegram/{telegram_bot.bot.bot_id}/")

    assert response.status_code == 405


# --- every kind -----------------------------------------------------------------------------


def test_the_users_name_goes_into_the_profile(client, telegram_bot):
    telegram_post(client, telegram_bot.bot.bot_id, message_update(text="hi"))

    assert EndUser.objects.get(channel="telegram").variables["fullName"] == "Ada Lovelace"


def test_a_group_chat_is_one_user_named_after_the_group(client, telegram_bot):
    update = message_update(text="hello from the team")
    update["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "Ops team"}

    telegram_post(client, telegram_bot.bot.bot_id, update)

    end_user = EndUser.objects.get(channel="telegram")
    assert end_user.external_id == "-100123"
    assert end_user.variables["fullName"] == "Ops team"


def test_photo_is_stored_by_its_largest_size_with_the_caption(client, telegram_bot):
    photo = [
        {"file_id": "small", "file_unique_id": "u-s", "width": 90, "height": 60},
        {"file_id": "large", "file_unique_id": "u-l", "width": 1280, "height": 853},
    ]

    telegram_post(
        client, telegram_bot.bot.bot_id, message_update(photo=photo, caption="The parcel")
    )

    message = incoming(telegram_bot.bot).get()
    assert message.text == "The parcel"
    assert message.payload == {
        "type": "image",
        "telegramType": "photo",
        "attachments": [{"type": "image", "fileId": "large", "fileUniqueId": "u-l"}],
    }


def test_document_is_stored(client, telegram_bot):
    document = {
        "file_id": "doc-1",
        "file_unique_id": "u-d",
        "file_name": "invoice.pdf",
        "mime_type": "application/pdf",
        "file_size": 1234,
    }

    telegram_post(client, telegram_bot.bot.bot_id, message_update(document=document))

    message = incoming(telegram_bot.bot).get()
    assert message.text == ""
    assert message.payload["type"] == "file"
    assert message.payload["attachments"] == [
        {
            "type": "file",
            "fileId": "doc-1",
            "fileUniqueId": "u-d",
            "fileName": "invoice.pdf",
            "mimeType": "application/pdf",
            "fileSize": 1234,
        }
    ]


def test_voice_is_stored(client, telegram_bot):
    voice = {"file_id": "v-1", "file_unique_id": "u-v", "duration": 3, "mime_type": "audio/ogg"}

    telegram_post(client, telegram_bot.bot.bot_id, message_update(voice=voice))

    message = incoming(telegram_bot.bot).get()
    assert message.payload == {
        "type": "audio",
        "telegramType": "voice",
        "attachments": [
            {
                "type": "audio",
                "fileId": "v-1",
                "fileUniqueId": "u-v",
                "mimeType": "audio/ogg",
                "duration": 3,
            }
        ],
    }


def test_button_press_is_stored_as_a_quick_reply_with_the_buttons_title(client, telegram_bot):
    keyboard = [
        [{"text": "Yes, thanks", "callback_data": "Y"}],
        [{"text": "No", "callback_data": "N"}],
    ]

    response = telegram_post(
        client, telegram_bot.bot.bot_id, callback_update("Y", keyboard=keyboard)
    )

    assert response.status_code == 200
    message = incoming(telegram_bot.bot).get()
    assert (message.text, message.payload) == ("Yes, thanks", {"type": "quick_reply", "value": "Y"})
    assert message.conversation.end_user.external_id == str(CHAT_ID)


def test_button_press_is_answered_through_the_delivery_path(client, telegram_bot):
    telegram_post(client, telegram_bot.bot.bot_id, callback_update("Y"))

    delivery = Delivery.objects.get()
    assert delivery.kind == "telegram"
    assert delivery.payload == {"bot": telegram_bot.bot.pk, "callbackQueryId": "cbq-77"}
    assert incoming(telegram_bot.bot).get().text == "Y"  # no keyboard: the data itself


# --- replays and what is not read ----------------------------------------------------------


def test_replayed_update_is_stored_once(client, telegram_bot):
    update = message_update(777, text="hi")

    first = telegram_post(client, telegram_bot.bot.bot_id, update)
    again = telegram_post(client, telegram_bot.bot.bot_id, update)

    assert first.status_code == again.status_code == 200
    assert incoming(telegram_bot.bot).count() == 1


def test_replayed_button_press_is_answered_once(client, telegram_bot):
    update = callback_update("Y", update_id=778)

    telegram_post(client, telegram_bot.bot.bot_id, update)
    telegram_post(client, telegram_bot.bot.bot_id, update)

    assert incoming(telegram_bot.bot).count() == 1
    assert Delivery.objects.count() == 1


@pytest.mark.parametrize(
    "update",
    [
        {"update_id": 1, "edited_message": {"message_id": 1, "chat": {"id": 1}, "text": "x"}},
        {"update_id": 2, "channel_post": {"message_id": 1, "chat": {"id": -100}, "text": "x"}},
        {"update_id": 3, "my_chat_member": {"chat": {"id": 1}}},
        {"update_id": 4, "inline_query": {"id": "q", "from": {"id": 1}, "query": "x"}},
        message_update(5, sticker={"file_id": "st", "emoji": "👍"}),
        message_update(6, new_chat_members=[{"id": 9, "first_name": "Bob"}]),
    ],
)
def test_kinds_hitl_does_not_read_are_ignored_with_200(client, telegram_bot, update):
    response = telegram_post(client, telegram_bot.bot.bot_id, update)

    assert response.status_code == 200
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"{nope",
        b"[1, 2]",
        b'{"message": {"chat": {"id": 1}, "text": "no update id"}}',
        b'{"update_id": "12", "message": {"chat": {"id": 1}, "text": "x"}}',
        b'{"update_id": 12, "message": "hello"}',
        b'{"update_id": 12, "message": {"text": "no chat"}}',
        b'{"update_id": 12, "callback_query": {"from": {"id": 1}, "data": "no id"}}',
    ],
)
def test_malformed_body_is_400_and_nothing_stored(client, telegram_bot, body):
    response = telegram_post(client, telegram_bot.bot.bot_id, body)

    assert response.status_code == 400
    assert response.json()["code"] in ("invalid_json", "invalid_update")
    assert not Message.objects.exists()
    assert not Conversation.objects.exists()


def test_oversize_body_is_413_and_nothing_stored(client, telegram_bot):
    response = telegram_post(client, telegram_bot.bot.bot_id, message_update(text="x" * 300_000))

    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
    assert not Message.objects.exists()


# --- pause ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "update",
    [
        message_update(text="still there?"),
        message_update(photo=[{"file_id": "p", "file_unique_id": "u"}]),
        message_update(voice={"file_id": "v", "file_unique_id": "u", "duration": 1}),
        message_update(document={"file_id": "d", "file_unique_id": "u"}),
        callback_update("human"),
    ],
)
def test_paused_conversation_goes_to_agents_only_whatever_the_type(
    client, telegram_bot, demo_bot, django_capture_on_commit_callbacks, update
):
    telegram_post(client, telegram_bot.bot.bot_id, message_update(text="hi"))
    conversation = Conversation.objects.get(bot=telegram_bot.bot)
    services.handoff_request(conversation=conversation)
    bot_replies = Message.objects.filter(direction="outgoing").count()

    with django_capture_on_commit_callbacks(execute=True):
        telegram_post(client, telegram_bot.bot.bot_id, update)

    assert incoming(telegram_bot.bot).filter(external_id=f"update-{update['update_id']}").exists()
    assert Message.objects.filter(direction="outgoing").count() == bot_replies


def test_message_in_an_active_conversation_reaches_the_demo_bot(client, telegram_bot, demo_bot):
    telegram_post(
        client, telegram_bot.bot.bot_id, message_update(text="What are your opening hours?")
    )

    reply = Message.objects.get(direction="outgoing")
    assert "Monday to Friday" in reply.text
    assert reply.delivery_status == "pending"  # to go out through the Bot API


def test_message_in_an_active_conversation_reaches_the_bot_webhook(client, telegram_bot):
    bot = telegram_bot.bot
    bot.bot_webhook_url = "https://bot.example/hook"
    bot.save()

    telegram_post(client, bot.bot_id, message_update(text="hello bot"))

    delivery = Delivery.objects.get(kind="bot")
    assert delivery.payload["body"]["channel"] == "telegram"
    assert delivery.payload["body"]["userId"] == str(CHAT_ID)
    assert delivery.payload["body"]["user"]["fullName"] == "Ada Lovelace"
    assert delivery.payload["body"]["message"]["text"] == "hello bot"


def test_paused_conversation_does_not_reach_the_bot_webhook(client, telegram_bot):
    bot = telegram_bot.bot
    bot.bot_webhook_url = "https://bot.example/hook"
    bot.save()
    telegram_post(client, bot.bot_id, message_update(text="hi"))
    services.handoff_request(conversation=Conversation.objects.get(bot=bot))
    before = Delivery.objects.filter(kind="bot").count()

    telegram_post(client, bot.bot_id, message_update(text="agent please"))

    assert Delivery.objects.filter(kind="bot").count() == before
