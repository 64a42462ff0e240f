"""The web chat's history (connect, polling, scrolling back) is read by a written-out query
(handoffs.selectors.conversation_messages): it gives what the ORM's
`select_related("conversation", "author__agent_profile")` page gave, message for message."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import User

from channels_adapters.services import message_data, web_history
from handoffs.models import Message
from tests.factories import ConversationFactory, UserFactory

pytestmark = pytest.mark.django_db


def orm_page(conversation, *, after, before, limit) -> list[dict]:
    """What web_history read before it was written out (channels_adapters/services.py)."""
    messages = Message.objects.filter(conversation=conversation)
    if before is not None:
        messages = messages.filter(pk__lt=before)
    if after is not None:
        messages = messages.filter(pk__gt=after).order_by("id")[:limit]
    else:
        messages = messages.order_by("-id")[:limit]
    rows = sorted(messages.select_related("conversation", "author__agent_profile"), key=_pk)
    return [message_data(message) for message in rows]


def _pk(message: Message) -> int:
    return message.pk


@pytest.fixture
def conversation():
    conversation = ConversationFactory(channel="web", end_user__channel="web")
    agent = UserFactory(profile="Ada")
    no_profile = User.objects.create_user(username="no-profile")
    other = ConversationFactory(bot=conversation.bot, end_user__bot=conversation.bot)
    Message.objects.create(conversation=other, direction="incoming", text="not this one")
    for n in range(7):
        Message.objects.create(conversation=conversation, direction="incoming", text=f"q{n}")
        Message.objects.create(
            conversation=conversation,
            direction="outgoing",
            author=(agent, no_profile, None)[n % 3],
            text=f"a{n}",
            payload={"type": "choice", "choices": [{"title": "Yes", "value": "y"}]} if n else {},
            external_id=f"ext-{n}" if n % 2 else None,
            delivery_status="sent" if n % 2 else "",
        )
    return conversation


def test_every_page_reads_as_the_orm_read_it(conversation):
    ids = list(conversation.messages.order_by("id").values_list("id", flat=True))
    # Past a bigint's range too: ids come from URLs, and SQLite refuses such an integer.
    bounds = [None, ids[0] - 1, ids[0], ids[5], ids[-1], ids[-1] + 1, 2**63, 10**20, -(10**20)]
    checked = 0
    for after, before, limit in itertools.product(bounds, bounds, (1, 4, 100)):
        expected = orm_page(conversation, after=after, before=before, limit=limit)

        got = web_history(conversation=conversation, after=after, before=before, limit=limit)

        assert got == expected, (after, before, limit)
        checked += len(got)
    assert checked > 400  # the pages were not all empty


def test_the_history_names_the_agent_who_wrote(conversation):
    history = web_history(conversation=conversation)

    by_text = {message["text"]: message["author"] for message in history}
    assert by_text["a0"]["name"] == "Ada"
    assert by_text["a2"] is None
    assert [message["text"] for message in history][:2] == ["q0", "a0"]


def test_a_page_costs_one_query_and_one_more_for_its_agents(
    conversation, django_assert_num_queries
):
    with django_assert_num_queries(2):
        web_history(conversation=conversation)
    first = conversation.messages.order_by("id").first()
    with django_assert_num_queries(1):
        web_history(conversation=conversation, before=first.pk + 1)
