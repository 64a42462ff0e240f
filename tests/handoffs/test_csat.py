"""CSAT: the rating question after resolve, the user's answer stored on the handoff."""

from __future__ import annotations

import pytest
from django.test import Client

from handoffs import services
from handoffs.models import Handoff, Message
from handoffs.reports import handoff_report, report_csv
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def csat_bot(bot):
    bot.csat_enabled = True
    bot.save()
    return bot


@pytest.fixture
def resolved(csat_bot, assigned_handoff, agent) -> Handoff:
    return services.handoff_resolve(handoff=assigned_handoff, actor=agent)


def user_says(conversation, text: str = "", payload=None):
    return services.message_ingest(
        bot=conversation.bot,
        channel=conversation.channel,
        user_id=conversation.end_user.external_id,
        thread_id=conversation.thread_id,
        text=text,
        payload=payload,
    )


def last_system(conversation) -> Message:
    return conversation.messages.filter(direction="system").order_by("-id").first()


def test_off_by_default_nothing_is_asked(bot, assigned_handoff, agent):
    services.handoff_resolve(handoff=assigned_handoff, actor=agent)

    assert not Message.objects.filter(payload__csat__isnull=False).exists()
    assert Handoff.objects.get(pk=assigned_handoff.pk).csat_asked_at is None


def test_resolve_asks_with_five_quick_replies(resolved):
    question = last_system(resolved.conversation)

    assert question.text.startswith("How would you rate")
    assert question.payload["type"] == "quick_reply"
    assert [c["title"] for c in question.payload["choices"]] == ["1", "2", "3", "4", "5"]
    assert question.payload["choices"][3]["value"] == "csat:4"
    assert question.payload["csat"] == {"handoffId": resolved.pk}


def test_the_question_is_in_the_users_language(csat_bot, assigned_handoff, agent):
    end_user = assigned_handoff.conversation.end_user
    services.end_user_update_variables(end_user=end_user, variables={"language": "fr-CA"})

    services.handoff_resolve(handoff=assigned_handoff, actor=agent)

    assert last_system(assigned_handoff.conversation).text.startswith("Comment évaluez-vous")


def test_rejected_and_expired_handoffs_are_not_rated(csat_bot, pending_handoff):
    services.handoff_reject(handoff=pending_handoff, actor=None)

    assert Handoff.objects.get(pk=pending_handoff.pk).csat_asked_at is None


def test_a_quick_reply_is_stored_and_not_for_the_bot(resolved, new_events):
    received = user_says(resolved.conversation, "4", {"type": "quick_reply", "value": "csat:4"})

    assert received.routed_to == "csat"
    handoff = Handoff.objects.get(pk=resolved.pk)
    assert handoff.csat_score == 4
    assert handoff.csat_answered_at is not None
    updated = [p for t, p in new_events() if t == "handoff.updated"]
    assert updated[-1]["csat"]["score"] == 4
    assert last_system(resolved.conversation).text == "Thank you for your feedback!"


def test_whatsapps_list_reply_counts_too(resolved):
    received = user_says(resolved.conversation, "2", {"type": "list_reply", "value": "csat:2"})

    assert received.routed_to == "csat"
    assert Handoff.objects.get(pk=resolved.pk).csat_score == 2


@pytest.mark.parametrize("text", ["5", " 3 ", "4/5", "2 stars"])
def test_a_typed_number_right_after_the_question_counts(resolved, text):
    received = user_says(resolved.conversation, text)

    assert received.routed_to == "csat"
    assert Handoff.objects.get(pk=resolved.pk).csat_score == int(text.strip()[0])


def test_a_number_after_something_else_goes_to_the_bot(resolved):
    user_says(resolved.conversation, "thanks a lot")
    received = user_says(resolved.conversation, "5")

    assert received.routed_to == "bot"
    assert Handoff.objects.get(pk=resolved.pk).csat_score is None


def test_the_first_answer_stays(resolved):
    user_says(resolved.conversation, "4", {"type": "quick_reply", "value": "csat:4"})
    received = user_says(resolved.conversation, "1", {"type": "quick_reply", "value": "csat:1"})

    assert received.routed_to == "bot"
    assert Handoff.objects.get(pk=resolved.pk).csat_score == 4


def test_other_quick_replies_go_to_the_bot(resolved):
    received = user_says(resolved.conversation, "Yes", {"type": "quick_reply", "value": "yes"})

    assert received.routed_to == "bot"
    assert Handoff.objects.get(pk=resolved.pk).csat_score is None


def test_a_new_handoff_stops_the_question(resolved):
    services.handoff_request(conversation=resolved.conversation)

    received = user_says(resolved.conversation, "5", {"type": "quick_reply", "value": "csat:5"})

    assert received.routed_to == "agent"
    assert Handoff.objects.get(pk=resolved.pk).csat_score is None


def test_unpause_by_the_agent_asks_too(csat_bot, assigned_handoff, agent):
    services.conversation_unpause(conversation=assigned_handoff.conversation, actor=agent)

    assert Handoff.objects.get(pk=assigned_handoff.pk).csat_asked_at is not None


def test_reports_average_and_count(resolved, csat_bot):
    user_says(resolved.conversation, "4")
    day = resolved.created_at.date()

    report = handoff_report(bot=csat_bot, start=day, end=day)

    assert report["totals"]["csat_average"] == 4
    assert report["totals"]["csat_count"] == 1
    assert report["agents"][0]["csat_count"] == 1
    lines = report_csv(report).splitlines()
    header = lines[0].split(",")
    total = next(line for line in lines if line.startswith("total,")).split(",")
    assert total[header.index("csat_average")] == "4.0"
    assert total[header.index("csat_count")] == "1"


def test_the_admin_shows_the_score_read_only(resolved, django_user_model):
    user_says(resolved.conversation, "5")
    boss = django_user_model.objects.create_superuser("boss", "boss@example.com", "x-long-pass-1")
    client = Client()
    client.force_login(boss)

    page = client.get(f"/admin/handoffs/handoff/{resolved.pk}/change/")

    assert page.status_code == 200
    assert "csat_score" not in page.context["adminform"].form.fields
    assert "Csat score" in page.content.decode()


def test_the_reports_page_shows_the_average(resolved, csat_bot, workspace):
    user_says(resolved.conversation, "5")
    boss = MembershipFactory(workspace=workspace, role="admin").user
    client = Client()
    client.force_login(boss)

    page = client.get(f"/workspace/reports/?bot={csat_bot.bot_id}").content.decode()

    assert "Satisfaction (CSAT, 1–5): average 5.00 of 1 rating." in page
    assert 'data-testid="csat-table"' in page
