"""The built-in demo bot: answers, hands off on request, asks for a rating after a resolve."""

from __future__ import annotations

import pytest

from channels_adapters import demo_bot
from channels_adapters import services as adapter_services
from handoffs import services
from handoffs.models import Handoff, Message
from tests.deliveries import deliver_due

pytestmark = pytest.mark.django_db


def say(bot, text: str, payload: dict | None = None):
    return adapter_services.inbound_receive(
        bot=bot, channel="web", user_id="visitor-1", text=text, payload=payload
    ).message.conversation


def bot_lines(conversation) -> list[str]:
    return list(
        conversation.messages.filter(direction="outgoing")
        .order_by("id")
        .values_list("text", flat=True)
    )


def test_greets(demo_bot):
    conversation = say(demo_bot, "Hello!")

    assert bot_lines(conversation) == [demo_bot_module().WELCOME]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How long does shipping take?", "We ship within 2 working days"),
        ("Is my blender under warranty?", "two-year warranty"),
        ("What are your opening hours?", "Monday to Friday"),
        ("Tell me a joke", "Sorry, I didn't get that"),
    ],
)
def test_answers_the_faq(demo_bot, question, expected):
    conversation = say(demo_bot, question)

    assert expected in bot_lines(conversation)[-1]


@pytest.mark.parametrize("text", ["human", "I want an AGENT", "help!"])
def test_hands_off_when_asked(demo_bot, text):
    conversation = say(demo_bot, text)

    conversation.refresh_from_db()
    assert conversation.paused
    assert Handoff.objects.get(conversation=conversation).status == "pending"
    assert conversation.messages.filter(
        direction="system", text="You are being transferred to an agent."
    ).exists()
    assert bot_lines(conversation) == []


def test_stays_silent_while_an_agent_has_the_user(demo_bot):
    conversation = say(demo_bot, "human")

    say(demo_bot, "hello?")

    assert bot_lines(conversation) == []


def test_is_silent_when_not_enabled(bot):
    conversation = say(bot, "Hello!")

    assert bot_lines(conversation) == []


@pytest.fixture
def resolved(demo_bot, agent, django_capture_on_commit_callbacks):
    conversation = say(demo_bot, "human")
    handoff = Handoff.objects.get(conversation=conversation)
    with django_capture_on_commit_callbacks(execute=True):
        services.handoff_assign(handoff=handoff, agent=agent)
        services.handoff_resolve(handoff=handoff, actor=agent)
    return conversation


def test_asks_for_a_rating_after_a_resolve(resolved, agent):
    question = resolved.messages.filter(direction="outgoing").last()

    name = agent.agent_profile.display_name
    assert (
        question.text
        == f"{name} has closed the conversation. How would you rate the help, from 1 to 5?"
    )
    assert [c["value"] for c in question.payload["choices"]] == ["1", "2", "3", "4", "5"]


def test_stores_the_rating_as_a_user_variable(resolved):
    say(resolved.bot, "4")

    resolved.end_user.refresh_from_db()
    assert resolved.end_user.variables["rating"] == 4
    assert bot_lines(resolved)[-1].startswith("Thank you for your rating: 4/5")


def test_reads_the_rating_from_a_quick_reply(resolved):
    say(resolved.bot, "5", payload={"type": "quick_reply", "value": "5"})

    resolved.end_user.refresh_from_db()
    assert resolved.end_user.variables["rating"] == 5


def test_no_rating_then_answers_as_usual(resolved):
    say(resolved.bot, "What are your opening hours?")

    resolved.end_user.refresh_from_db()
    assert "rating" not in resolved.end_user.variables
    assert "Monday to Friday" in bot_lines(resolved)[-1]


def test_a_later_number_is_not_a_rating(resolved):
    say(resolved.bot, "opening hours?")
    say(resolved.bot, "3")

    resolved.end_user.refresh_from_db()
    assert "rating" not in resolved.end_user.variables


@pytest.mark.parametrize("close", ["expire", "reject"])
def test_says_so_when_nobody_came(demo_bot, close, django_capture_on_commit_callbacks):
    conversation = say(demo_bot, "human")
    handoff = Handoff.objects.get(conversation=conversation)
    with django_capture_on_commit_callbacks(execute=True):
        if close == "expire":
            services.handoff_expire(handoff=handoff)
        else:
            services.handoff_reject(handoff=handoff, actor=None)

    assert bot_lines(conversation) == [demo_bot_module().NO_AGENT]


def test_a_webhook_url_takes_precedence(demo_bot, httpserver):
    httpserver.expect_request("/bot", method="POST").respond_with_data("ok")
    demo_bot.bot_webhook_url = httpserver.url_for("/bot")
    demo_bot.save()

    conversation = say(demo_bot, "Hello!")
    deliver_due()

    assert bot_lines(conversation) == []
    assert len(httpserver.log) == 1


def test_non_text_gets_a_hint(demo_bot):
    conversation = say(demo_bot, "", payload={"type": "image", "url": "https://x/y.png"})

    assert bot_lines(conversation) == [demo_bot_module().NOT_TEXT]
    assert Message.objects.filter(direction="incoming").count() == 1


def demo_bot_module():
    return demo_bot
