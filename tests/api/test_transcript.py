"""`GET mod/hitlnext/conversations/<id>/transcript` and `POST .../transcript/email`: the
transcript an agent downloads or sends to the user (issue 24)."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from handoffs import services, transcripts
from handoffs.models import Delivery, Message
from tests.deliveries import deliver_due
from tests.factories import BotFactory, ConversationFactory

from .conftest import api_url

pytestmark = pytest.mark.django_db


def url(bot, conversation, tail: str = "") -> str:
    return api_url(bot, f"mod/hitlnext/conversations/{conversation.pk}/transcript{tail}")


def body_of(response) -> str:
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def talked(bot, conversation, assigned_handoff, agent):
    """A conversation with the user's, the bot's and the agent's words, a file and a note."""
    conversation.end_user.variables = {"fullName": "Ada Lovelace", "email": "ada@example.com"}
    conversation.end_user.save()
    Message.objects.create(
        conversation=conversation, direction="incoming", text="<script>alert(1)</script> hi"
    )
    services.message_send_bot(conversation=conversation, text="A bot's answer")
    services.message_send_agent(conversation=conversation, agent=agent, text="An agent's answer")
    services.message_send_bot(
        conversation=conversation,
        text="Your invoice",
        payload={"type": "file", "file": "https://files.example.com/invoice.pdf"},
    )
    services.note_add(conversation=conversation, author=agent, text="Secret note for agents")
    return conversation


def test_an_agent_downloads_the_transcript_as_an_html_file(agent_client, bot, talked):
    response = agent_client.get(url(bot, talked))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="transcript-{talked.pk}-')
    html = body_of(response)
    assert "Ada Lovelace" in html
    assert "A bot&#x27;s answer" in html
    assert "An agent&#x27;s answer" in html
    assert "Handed off to an agent" in html
    assert "Assigned to" in html


def test_a_message_s_markup_is_escaped(agent_client, bot, talked):
    html = body_of(agent_client.get(url(bot, talked)))

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; hi" in html


def test_notes_are_not_in_the_transcript(agent_client, bot, talked):
    html = body_of(agent_client.get(url(bot, talked)))

    assert "Secret note" not in html


def test_files_are_links(agent_client, bot, talked):
    html = body_of(agent_client.get(url(bot, talked)))

    assert 'href="https://files.example.com/invoice.pdf"' in html


def test_the_page_asks_nothing_from_elsewhere(agent_client, bot, talked):
    html = body_of(agent_client.get(url(bot, talked)))

    assert "<style>" in html
    assert "<link" not in html and "<script" not in html and "<img" not in html


def test_times_are_in_iso_and_in_the_bots_zone(agent_client, bot, talked):
    bot.business_hours_timezone = "Europe/Paris"
    bot.save()
    first = talked.messages.first()

    html = body_of(agent_client.get(url(bot, talked)))

    assert f'datetime="{first.created_at.isoformat()}"' in html
    assert "CET" in html or "CEST" in html


def test_an_api_token_downloads_it(token_client, bot, talked):
    response = token_client.get(url(bot, talked))

    assert response.status_code == 200
    assert "A bot&#x27;s answer" in body_of(response)


def test_a_member_of_another_workspace_gets_404(bot, talked):
    from rest_framework.test import APIClient

    from tests.factories import MembershipFactory

    stranger = MembershipFactory().user
    client = APIClient()
    client.force_login(stranger)

    assert client.get(url(bot, talked)).status_code == 404
    assert client.post(url(bot, talked, "/email"), {}, format="json").status_code == 404


def test_a_token_of_another_workspace_gets_404(token_client, talked):
    other = ConversationFactory(end_user__bot=BotFactory())

    assert token_client.get(url(other.bot, other)).status_code == 404
    assert token_client.post(url(other.bot, other, "/email"), {}, format="json").status_code == 404


def test_another_bots_conversation_is_404(agent_client, workspace, talked):
    sibling = BotFactory(workspace=workspace)

    response = agent_client.get(url(sibling, talked))

    assert response.status_code == 404
    assert response.json()["code"] == "conversation_not_found"


def test_anonymous_gets_401_or_403(anon_client, bot, talked):
    assert anon_client.get(url(bot, talked)).status_code in (401, 403)


def test_the_user_receives_the_transcript_by_email(agent_client, bot, talked, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    response = agent_client.post(url(bot, talked, "/email"), {}, format="json")
    deliver_due()

    assert response.status_code == 202
    assert response.json() == {"to": "ada@example.com"}
    [sent] = mail.outbox
    assert sent.to == ["ada@example.com"]
    assert bot.name in sent.subject
    assert "A bot's answer" in sent.body
    assert "Secret note" not in sent.body
    [(html, kind)] = sent.alternatives
    assert kind == "text/html"
    assert "&lt;script&gt;" in html and "Secret note" not in html


def test_the_email_leaves_through_the_delivery_engine(agent_client, bot, talked):
    agent_client.post(url(bot, talked, "/email"), {}, format="json")

    [delivery] = Delivery.objects.filter(kind=Delivery.Kind.EMAIL)
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.payload["to"] == ["ada@example.com"]
    assert not mail.outbox


def test_the_request_writes_an_event(agent_client, agent, bot, talked, new_events):
    agent_client.post(url(bot, talked, "/email"), {}, format="json")

    [(type_, payload)] = [e for e in new_events() if e[0] == "conversation.transcript_sent"]
    assert payload["conversationId"] == talked.pk
    assert payload["to"] == "ada@example.com"
    assert payload["agentId"] == agent.pk


def test_without_a_known_address_it_is_422_no_email(agent_client, bot, conversation):
    response = agent_client.post(url(bot, conversation, "/email"), {}, format="json")

    assert response.status_code == 422
    assert response.json()["code"] == "no_email"
    assert not Delivery.objects.filter(kind=Delivery.Kind.EMAIL).exists()


def test_a_given_address_is_used(token_client, bot, conversation, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    response = token_client.post(
        url(bot, conversation, "/email"), {"to": "crm@example.org"}, format="json"
    )
    deliver_due()

    assert response.status_code == 202
    assert mail.outbox[0].to == ["crm@example.org"]


def test_a_given_address_must_be_an_email_address(admin_client, bot, talked):
    response = admin_client.post(
        url(bot, talked, "/email"), {"to": "not an address"}, format="json"
    )

    assert response.status_code == 422
    assert not Delivery.objects.filter(kind=Delivery.Kind.EMAIL).exists()


def test_only_an_admin_sends_a_transcript_to_another_address(
    agent_client, admin_client, bot, talked, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    body = {"to": "someone@example.org"}

    refused = agent_client.post(url(bot, talked, "/email"), body, format="json")
    accepted = admin_client.post(url(bot, talked, "/email"), body, format="json")
    deliver_due()

    assert refused.status_code == 403
    assert refused.json()["code"] == "not_admin"
    assert accepted.status_code == 202
    assert [message.to for message in mail.outbox] == [["someone@example.org"]]


def test_a_conversation_deleted_before_sending_sends_nothing(agent_client, bot, talked, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    agent_client.post(url(bot, talked, "/email"), {}, format="json")
    talked.delete()

    deliver_due()

    assert not mail.outbox
    assert Delivery.objects.get(kind=Delivery.Kind.EMAIL).status == Delivery.Status.DEAD


@pytest.mark.limits
def test_too_many_emails_of_one_conversation_are_429(agent_client, bot, talked, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "transcript_email": "2/h"}

    codes = [
        agent_client.post(url(bot, talked, "/email"), {}, format="json").status_code
        for _ in range(3)
    ]

    assert codes == [202, 202, 429]


@pytest.mark.limits
def test_too_many_emails_to_one_address_are_429(token_client, bot, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "transcript_email": "2/h"}
    conversations = [ConversationFactory(end_user__bot=bot) for _ in range(3)]

    codes = [
        token_client.post(
            url(bot, conversation, "/email"), {"to": "Victim@example.org"}, format="json"
        ).status_code
        for conversation in conversations
    ]

    assert codes == [202, 202, 429]


def test_a_long_conversation_is_streamed_in_chunks(agent_client, bot, conversation):
    Message.objects.bulk_create(
        Message(conversation=conversation, direction="incoming", text=f"line {n}")
        for n in range(450)
    )

    response = agent_client.get(url(bot, conversation))
    chunks = list(response.streaming_content)

    assert len(chunks) >= 3
    html = b"".join(chunks).decode()
    assert html.index("line 0<") < html.index("line 449<")
    assert html.rstrip().endswith("</html>")


def test_a_tokens_request_names_no_agent(token_client, bot, talked, new_events):
    token_client.post(url(bot, talked, "/email"), {}, format="json")

    [payload] = [p for t, p in new_events() if t == "conversation.transcript_sent"]
    assert payload["agentId"] is None


def test_only_web_addresses_become_links(agent_client, bot, conversation):
    Message.objects.create(
        conversation=conversation,
        direction="incoming",
        payload={"type": "image", "image": "javascript:alert(1)"},
    )

    html = body_of(agent_client.get(url(bot, conversation)))

    assert "javascript:" not in html


def test_erasing_the_user_cancels_a_transcript_not_sent_yet(
    agent_client, token_client, bot, talked, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    agent_client.post(url(bot, talked, "/email"), {}, format="json")
    user = talked.end_user
    erased = token_client.delete(
        api_url(bot, f"mod/hitlnext/users/{user.external_id}?channel={user.channel}")
    )

    deliver_due()

    assert erased.status_code == 204
    assert not mail.outbox
    assert not Delivery.objects.filter(kind=Delivery.Kind.EMAIL).exists()


def test_an_email_holds_the_latest_messages_and_says_what_it_left_out(
    agent_client, bot, talked, settings, monkeypatch
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(transcripts, "EMAIL_MESSAGES", 2)
    Message.objects.bulk_create(
        Message(conversation=talked, direction="incoming", text=f"later {n}") for n in range(3)
    )

    left_out = Message.objects.filter(conversation=talked).count() - 2

    agent_client.post(url(bot, talked, "/email"), {}, format="json")
    deliver_due()

    [sent] = mail.outbox
    [(html, _)] = sent.alternatives
    for part in (sent.body, html):
        assert "later 0" not in part and "later 1" in part and "later 2" in part
        assert "A bot's answer" not in part
        assert f"{left_out} earlier messages are not in this copy" in part


def test_an_email_asked_for_before_any_message_holds_none_written_later(
    agent_client, bot, conversation, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    conversation.end_user.variables = {"email": "ada@example.com"}
    conversation.end_user.save()

    agent_client.post(url(bot, conversation, "/email"), {}, format="json")
    Message.objects.create(conversation=conversation, direction="incoming", text="written later")
    deliver_due()

    [sent] = mail.outbox
    assert "written later" not in sent.body


def test_a_mail_too_big_for_the_server_is_not_tried_again(agent_client, bot, talked, monkeypatch):
    def refuse(self, fail_silently=False):
        raise smtplib.SMTPDataError(552, b"Message size exceeds fixed maximum message size")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    agent_client.post(url(bot, talked, "/email"), {}, format="json")
    deliver_due()

    assert Delivery.objects.get(kind=Delivery.Kind.EMAIL).status == Delivery.Status.DEAD
