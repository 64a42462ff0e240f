"""E-mail alerts to online agents about new handoffs, when the bot asks for them."""

from __future__ import annotations

import pytest

from handoffs import services
from handoffs.models import Delivery
from tests.deliveries import deliver_due
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def request_handoff(conversation, capture):
    with capture(execute=True):
        services.message_ingest(
            bot=conversation.bot,
            channel=conversation.channel,
            user_id=conversation.end_user.external_id,
            text="I need a human",
        )
        services.handoff_request(conversation=conversation)
    deliver_due()


def test_online_agents_get_an_email(
    bot, conversation, mailoutbox, django_capture_on_commit_callbacks
):
    bot.email_alerts = True
    bot.save()
    online = MembershipFactory(workspace=bot.workspace).user
    MembershipFactory(workspace=bot.workspace, online=False)

    request_handoff(conversation, django_capture_on_commit_callbacks)

    assert [m.to for m in mailoutbox] == [[online.email]]
    assert "is waiting for an agent" in mailoutbox[0].subject
    assert "I need a human" in mailoutbox[0].body


def test_no_email_unless_the_bot_asks(
    bot, conversation, agent, mailoutbox, django_capture_on_commit_callbacks
):
    request_handoff(conversation, django_capture_on_commit_callbacks)

    assert mailoutbox == []


def test_a_mail_server_failure_does_not_break_the_handoff(
    bot, conversation, agent, settings, django_capture_on_commit_callbacks
):
    bot.email_alerts = True
    bot.save()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = 9  # nothing listens there

    request_handoff(conversation, django_capture_on_commit_callbacks)

    assert conversation.handoffs.get().status == "pending"
    delivery = Delivery.objects.get(kind="email")
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.last_error.startswith("SMTP") or "Connection" in delivery.last_error


def test_the_alert_waits_for_the_worker(bot, conversation, mailoutbox):
    bot.email_alerts = True
    bot.save()
    MembershipFactory(workspace=bot.workspace)

    services.handoff_request(conversation=conversation)

    assert mailoutbox == []
    assert Delivery.objects.get(kind="email").status == "pending"
