"""`GET handoffs?q=`: the queue searched by the user's id, name or any message's text, with
the other filters and cursors; on PostgreSQL through the trigram indexes."""

from __future__ import annotations

import pytest
from django.db import connection

from handoffs import search as search_module
from handoffs import services
from handoffs.models import Handoff, Message
from tests.factories import BotFactory, ConversationFactory

from .conftest import api_url
from .test_handoff_views import assign, ids, walk

pytestmark = pytest.mark.django_db

LIST = "mod/hitlnext/handoffs"


def handoff_of(bot, *, user_id: str = "", name: str = "", says: str = "") -> Handoff:
    end_user = {"bot": bot}
    if user_id:
        end_user["external_id"] = user_id
    if name:
        end_user["variables"] = {"fullName": name}
    conversation = ConversationFactory(**{f"end_user__{k}": v for k, v in end_user.items()})
    if says:
        Message.objects.create(conversation=conversation, direction="incoming", text=says)
    return services.handoff_request(conversation=conversation)[0]


@pytest.fixture
def queue(bot):
    return {
        "ada": handoff_of(bot, name="Ada Lovelace", says="hello"),
        "grace": handoff_of(bot, user_id="grace-h", says="my invoice is wrong"),
        "refund": handoff_of(bot, says="I want a REFUND please"),
        "other": handoff_of(bot, says="nothing to see"),
    }


def search(client, bot, query: str) -> list[int]:
    return ids(client.get(api_url(bot, LIST), {"q": query}))


def test_it_matches_the_users_name_in_any_case(agent_client, bot, queue):
    assert search(agent_client, bot, "lovelace") == [queue["ada"].pk]


def test_it_matches_part_of_the_users_id(agent_client, bot, queue):
    assert search(agent_client, bot, "ACE-H") == [queue["grace"].pk]


def test_it_matches_any_message_of_the_conversation(agent_client, bot, queue):
    Message.objects.create(
        conversation=queue["other"].conversation, direction="outgoing", text="Refunds take 3 days"
    )

    assert search(agent_client, bot, "refund") == [queue["refund"].pk, queue["other"].pk]


def test_a_short_term_matches_ids_and_names_only(agent_client, bot, queue):
    handoff_of(bot, says="my id is gh")

    assert search(agent_client, bot, "-h") == [queue["grace"].pk]


def test_a_blank_search_lists_everything(agent_client, bot, queue):
    assert len(search(agent_client, bot, "  ")) == 4


def test_percent_and_underscore_are_plain_characters(agent_client, bot, queue):
    handoff_of(bot, says="100% sure")

    assert len(search(agent_client, bot, "0% s")) == 1
    assert search(agent_client, bot, "a_c") == []


def test_it_combines_with_views_and_order(agent_client, bot, agent, queue):
    assign(queue["refund"], agent)
    later = handoff_of(bot, says="refund again")

    assert search_with(agent_client, bot, q="refund", view="unassigned") == [later.pk]
    assert search_with(agent_client, bot, q="refund", view="unassigned,mine", order="newest") == [
        later.pk,
        queue["refund"].pk,
    ]


def search_with(client, bot, **params) -> list[int]:
    return ids(client.get(api_url(bot, LIST), params))


def test_cursors_page_through_the_matches(agent_client, bot):
    matching = [handoff_of(bot, says=f"refund #{i}").pk for i in range(5)]
    handoff_of(bot, says="something else")

    assert walk(agent_client, api_url(bot, f"{LIST}?q=refund&limit=2")) == matching


def test_another_bots_conversations_never_match(agent_client, bot, workspace):
    other_bot = BotFactory(workspace=workspace)
    handoff_of(other_bot, name="Ada Lovelace", says="lovelace")

    assert search(agent_client, bot, "lovelace") == []


def test_the_token_may_search(token_client, bot, queue):
    assert search(token_client, bot, "invoice") == [queue["grace"].pk]


@pytest.mark.parametrize("rare_matches", [1000, 0], ids=["rare", "common"])
def test_both_shapes_find_the_same_handoffs(agent_client, bot, queue, monkeypatch, rare_matches):
    monkeypatch.setattr(search_module, "RARE_MATCHES", rare_matches)

    assert search(agent_client, bot, "lovelace") == [queue["ada"].pk]
    assert search(agent_client, bot, "REFUND") == [queue["refund"].pk]
    assert search(agent_client, bot, "-h") == [queue["grace"].pk]


@pytest.mark.postgres
def test_message_text_search_reads_the_trigram_index(bot, queue):
    # The trigram index answers the filter itself; at scale the planner starts from it
    # (bench/README.md, "Search"), here a few rows would rather be read one by one.
    messages = Message.objects.filter(text__icontains="invoice").order_by().values("id")
    sql, params = messages.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "message_text_trgm_idx" in plan
