"""Notifications: each cause notifies the right agents, once, privately; read and unread."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from agents.errors import ApplicationError
from handoffs import services
from handoffs.models import Delivery, Event, Handoff, Notification, WebhookEndpoint
from tests.factories import BotFactory, ConversationFactory, MembershipFactory

pytestmark = pytest.mark.django_db

K = Notification.Kind


def kinds_of(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def say(conversation, text: str = "hello?", **kwargs):
    return services.message_ingest(
        bot=conversation.bot,
        channel=conversation.channel,
        user_id=conversation.end_user.external_id,
        text=text,
        **kwargs,
    )


# ---- causes -----------------------------------------------------------------------------------


def test_a_new_handoff_notifies_every_member_of_the_workspace(bot, agent, other_agent, admin):
    stranger = MembershipFactory().user  # another workspace
    conversation = ConversationFactory(end_user__bot=bot, end_user__variables={"fullName": "Ada"})

    handoff, _ = services.handoff_request(conversation=conversation)

    for user in (agent, other_agent, admin):
        notification = Notification.objects.get(recipient=user)
        assert notification.kind == K.HANDOFF_NEW
        assert notification.handoff == handoff
        assert notification.conversation == conversation
        assert notification.workspace_id == bot.workspace_id
        assert "Ada" in notification.message
        assert notification.link == f"/workspace/{bot.bot_id}/?handoff={handoff.pk}"
        assert notification.read_at is None
    assert kinds_of(stranger) == []


def test_an_open_handoff_requested_again_notifies_nobody(pending_handoff, conversation, agent):
    before = Notification.objects.count()

    services.handoff_request(conversation=conversation)

    assert Notification.objects.count() == before


def test_a_handoff_rejected_at_once_for_lack_of_agents_notifies_nobody(bot, admin):
    conversation = ConversationFactory(end_user__bot=bot)

    services.handoff_request(conversation=conversation, require_agent=True)

    assert not Notification.objects.exists()


def test_taking_a_handoff_yourself_is_no_news(pending_handoff, agent):
    services.handoff_assign(handoff=pending_handoff, agent=agent)

    assert kinds_of(agent) == []


def test_an_admin_assigning_someone_notifies_that_agent(bot, agent, admin):
    handoff, _ = services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))
    Notification.objects.all().delete()

    services.handoff_assign(handoff=handoff, agent=agent, actor=admin)

    notification = Notification.objects.get()
    assert notification.recipient == agent
    assert notification.kind == K.HANDOFF_ASSIGNED
    assert admin.agent_profile.display_name in notification.message


def test_auto_assignment_notifies_the_agent_who_got_it():
    bot = BotFactory(auto_assign=True)
    agent = MembershipFactory(workspace=bot.workspace).user

    handoff, _ = services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))

    handoff.refresh_from_db()
    assert handoff.agent == agent
    assert kinds_of(agent) == [K.HANDOFF_ASSIGNED, K.HANDOFF_NEW]  # newest first


def test_a_transfer_notifies_the_new_agent(assigned_handoff, agent, other_agent):
    services.handoff_transfer(handoff=assigned_handoff, to_agent=other_agent, actor=agent)

    notification = Notification.objects.get(recipient=other_agent)
    assert notification.kind == K.HANDOFF_TRANSFERRED
    assert agent.agent_profile.display_name in notification.message
    assert kinds_of(agent) == []


def test_a_user_writing_notifies_the_agent_holding_the_conversation(
    assigned_handoff, conversation, agent, other_agent
):
    say(conversation, "Are you there?")

    notification = Notification.objects.get()
    assert notification.recipient == agent
    assert notification.kind == K.USER_MESSAGE
    assert "Are you there?" in notification.message
    assert notification.handoff == assigned_handoff


def test_a_chatty_user_raises_the_bell_once_until_it_is_read(assigned_handoff, conversation, agent):
    say(conversation, "one")
    say(conversation, "two")
    assert kinds_of(agent) == [K.USER_MESSAGE]

    services.notification_mark_read(
        user=agent, workspace_id=conversation.bot.workspace_id, all=True
    )
    say(conversation, "three")

    assert kinds_of(agent) == [K.USER_MESSAGE, K.USER_MESSAGE]


@pytest.mark.parametrize("situation", ["bot_has_it", "paused_by_hand", "handoff_pending"])
def test_a_user_writing_without_a_holder_notifies_nobody(situation, conversation, agent):
    if situation == "paused_by_hand":
        services.conversation_pause(conversation=conversation, actor=agent)
    elif situation == "handoff_pending":
        services.handoff_request(conversation=conversation)
    before = Notification.objects.count()

    say(conversation)

    assert Notification.objects.count() == before


def test_a_replayed_message_notifies_nobody(assigned_handoff, conversation, agent):
    say(conversation, external_id="m-1")
    services.notification_mark_read(
        user=agent, workspace_id=conversation.bot.workspace_id, all=True
    )

    say(conversation, external_id="m-1")

    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_the_bots_own_messages_notify_nobody(assigned_handoff, conversation):
    say(conversation, "bot line", direction="outgoing")

    assert not Notification.objects.exists()


# ---- about to expire --------------------------------------------------------------------------


def expiring(bot, seconds: int) -> Handoff:
    handoff, _ = services.handoff_request(
        conversation=ConversationFactory(end_user__bot=bot), timeout=timedelta(seconds=seconds)
    )
    return handoff


def test_the_sweep_announces_a_handoff_about_to_expire_once(bot, agent, admin):
    soon = expiring(bot, 45)
    later = expiring(bot, 600)
    Notification.objects.all().delete()

    services.handoffs_expire_due()
    services.handoffs_expire_due()

    warned = Notification.objects.filter(kind=K.HANDOFF_EXPIRING)
    assert sorted(warned.values_list("recipient_id", flat=True)) == sorted([agent.pk, admin.pk])
    assert {n.handoff_id for n in warned} == {soon.pk}
    assert warned.first().level == Notification.Level.WARNING
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.status == Handoff.Status.PENDING
    assert soon.expiry_warned_at is not None
    assert later.expiry_warned_at is None


def test_the_warning_comes_in_the_last_minute(bot, agent):
    handoff = expiring(bot, 600)

    assert services.handoffs_warn_expiring(now=timezone.now()) == 0
    assert services.handoffs_warn_expiring(now=handoff.expires_at - timedelta(seconds=30)) == 1
    assert services.handoffs_warn_expiring(now=handoff.expires_at - timedelta(seconds=20)) == 0


def test_a_taken_or_expired_handoff_is_not_announced(bot, agent):
    taken = expiring(bot, 30)
    services.handoff_assign(handoff=taken, agent=agent)
    gone = expiring(bot, 30)

    services.handoffs_expire_due(now=gone.expires_at + timedelta(seconds=1))

    assert not Notification.objects.filter(kind=K.HANDOFF_EXPIRING).exists()


# ---- storage and delivery -----------------------------------------------------------------------


def test_each_recipient_gets_a_private_event_with_the_notification(pending_handoff, bot):
    agent = MembershipFactory(workspace=bot.workspace).user
    other = MembershipFactory(workspace=bot.workspace).user
    start = Event.objects.order_by("-id").values_list("id", flat=True).first()

    handoff, _ = services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))

    private = Event.objects.filter(id__gt=start, type="notification.created")
    assert sorted(private.values_list("recipient_id", flat=True)) == sorted([agent.pk, other.pk])
    for event in private:
        notification = Notification.objects.get(recipient_id=event.recipient_id)
        assert event.resource == "notification"
        assert event.workspace_id == bot.workspace_id
        assert event.envelope()["botId"] == bot.bot_id
        assert event.payload["id"] == notification.pk
        assert event.payload["kind"] == "handoff_new"
        assert event.payload["handoffId"] == handoff.pk
        assert event.payload["conversationId"] == handoff.conversation_id
        assert event.payload["read"] is False
    shared = Event.objects.filter(id__gt=start, recipient_id__isnull=True)
    assert "notification.created" not in set(shared.values_list("type", flat=True))


def test_webhooks_never_get_notifications(bot, agent, workspace):
    WebhookEndpoint.objects.create(workspace=workspace, url="https://example.com/hook")

    services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))

    delivered = Delivery.objects.values_list("event__type", flat=True)
    assert "handoff.created" in delivered
    assert "notification.created" not in delivered


def test_notifications_roll_back_with_the_change(bot, agent):
    conversation = ConversationFactory(end_user__bot=bot)

    with pytest.raises(RuntimeError), transaction.atomic():
        services.handoff_request(conversation=conversation)
        raise RuntimeError("the caller fails")

    assert not Notification.objects.exists()
    assert not Event.objects.filter(type="notification.created").exists()


def test_notifying_nobody_writes_nothing(bot):
    assert (
        services.notify(workspace_id=bot.workspace_id, recipient_ids=[], kind=K.CUSTOM, message="x")
        == []
    )
    assert not Event.objects.exists()


# ---- custom notifications (bots and external systems) -----------------------------------------


def test_a_custom_notification_reaches_every_member(bot, agent, admin):
    created = services.notification_create_custom(
        bot=bot, message=" Stock is low ", level="warning", link="https://crm.example.com/x"
    )

    assert {n.recipient for n in created} == {agent, admin}
    first = created[0]
    assert (first.kind, first.level, first.message) == (K.CUSTOM, "warning", "Stock is low")
    assert first.link == "https://crm.example.com/x"
    assert first.bot == bot


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"message": "  "}, "empty_message"),
        ({"message": "x" * 501}, "invalid_message"),
        ({"message": "hi", "level": "fatal"}, "invalid_level"),
        ({"message": "hi", "link": "javascript:alert(1)"}, "invalid_link"),
        ({"message": "hi", "link": "//evil.example.com"}, "invalid_link"),
        ({"message": "hi", "link": "data:text/html,x"}, "invalid_link"),
    ],
)
def test_a_custom_notification_is_checked(bot, agent, fields, code):
    with pytest.raises(ApplicationError) as error:
        services.notification_create_custom(bot=bot, **fields)

    assert error.value.code == code
    assert not Notification.objects.exists()


def test_a_local_link_is_accepted(bot, agent):
    (created,) = services.notification_create_custom(bot=bot, message="hi", link="/workspace/")

    assert created.link == "/workspace/"


# ---- read and unread ---------------------------------------------------------------------------


def test_mark_read_by_ids_touches_only_the_callers_own(bot, agent, other_agent):
    services.notification_create_custom(bot=bot, message="one")
    services.notification_create_custom(bot=bot, message="two")
    mine = list(Notification.objects.filter(recipient=agent).order_by("id"))
    theirs = list(Notification.objects.filter(recipient=other_agent))

    marked = services.notification_mark_read(
        user=agent,
        workspace_id=bot.workspace_id,
        ids=[mine[0].pk, *(n.pk for n in theirs)],
    )

    assert marked == 1
    assert Notification.objects.get(pk=mine[0].pk).read_at is not None
    assert Notification.objects.get(pk=mine[1].pk).read_at is None
    assert not Notification.objects.filter(recipient=other_agent, read_at__isnull=False).exists()


def test_mark_all_read_stays_in_the_workspace(bot, agent):
    elsewhere = BotFactory()
    MembershipFactory(workspace=elsewhere.workspace, user=agent)
    services.notification_create_custom(bot=bot, message="here")
    services.notification_create_custom(bot=elsewhere, message="there")

    marked = services.notification_mark_read(user=agent, workspace_id=bot.workspace_id, all=True)
    again = services.notification_mark_read(user=agent, workspace_id=bot.workspace_id, all=True)

    assert (marked, again) == (1, 0)
    assert Notification.objects.get(recipient=agent, bot=elsewhere).read_at is None


def test_mark_read_needs_ids_or_all(bot, agent):
    for kwargs in ({}, {"ids": [1], "all": True}):
        with pytest.raises(ApplicationError):
            services.notification_mark_read(user=agent, workspace_id=bot.workspace_id, **kwargs)
