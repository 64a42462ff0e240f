"""Every service writes exactly its events, in its transaction, and none when it fails."""

from __future__ import annotations

import pytest
from django.db import transaction

from agents.errors import InvalidTransition
from handoffs import services
from handoffs.models import Event

pytestmark = pytest.mark.django_db


def types(events):
    return [t for t, _ in events()]


def test_request_writes_created_paused_and_the_transfer_message(conversation, new_events):
    handoff, _ = services.handoff_request(conversation=conversation)

    assert types(new_events) == ["handoff.created", "conversation.paused", "message.created"]
    created = new_events()[0][1]
    assert created["id"] == handoff.pk
    assert created["status"] == "pending"
    assert created["userId"] == conversation.end_user.external_id
    assert created["conversationId"] == conversation.pk


def test_repeated_request_writes_nothing(pending_handoff, conversation, new_events):
    services.handoff_request(conversation=conversation)

    assert types(new_events) == []


def test_assign_writes_updated_and_the_assign_message(pending_handoff, agent, new_events):
    services.handoff_assign(handoff=pending_handoff, agent=agent)

    events = new_events()
    assert [t for t, _ in events] == ["handoff.updated", "message.created"]
    assert events[0][1]["status"] == "assigned"
    assert events[0][1]["agentId"] == agent.pk
    assert events[1][1]["direction"] == "system"


def test_resolve_writes_updated_and_unpaused(assigned_handoff, agent, new_events):
    services.handoff_resolve(handoff=assigned_handoff, actor=agent)

    # The bot has no resolve message by default, so none is sent.
    assert types(new_events) == ["handoff.updated", "conversation.unpaused"]


def test_resolve_message_is_sent_when_set(assigned_handoff, agent, bot, new_events):
    bot.resolve_message = {"en": "Back to the bot!"}
    bot.save()

    services.handoff_resolve(handoff=assigned_handoff, actor=agent)

    events = new_events()
    assert [t for t, _ in events] == [
        "handoff.updated",
        "message.created",
        "conversation.unpaused",
    ]
    assert events[1][1]["text"] == "Back to the bot!"


@pytest.mark.parametrize("action", ["reject", "expire"])
def test_closing_without_agent_writes_updated_and_unpaused(
    action, pending_handoff, agent, new_events
):
    if action == "reject":
        services.handoff_reject(handoff=pending_handoff, actor=agent)
    else:
        services.handoff_expire(handoff=pending_handoff)

    assert types(new_events) == ["handoff.updated", "conversation.unpaused"]


def test_requeue_writes_updated(assigned_handoff, agent, new_events):
    services.handoff_requeue(handoff=assigned_handoff, actor=agent)

    assert types(new_events) == ["handoff.updated"]
    assert new_events()[0][1]["status"] == "pending"


def test_transfer_writes_updated_and_a_new_assign_message(
    assigned_handoff, agent, other_agent, new_events
):
    services.handoff_transfer(handoff=assigned_handoff, to_agent=other_agent, actor=agent)

    events = new_events()
    assert [t for t, _ in events] == ["handoff.updated", "message.created"]
    assert other_agent.agent_profile.display_name in events[1][1]["text"]


def test_labels_write_updated_with_tags(pending_handoff, agent, new_events):
    services.handoff_set_labels(handoff=pending_handoff, names=["vip"], actor=agent)

    assert types(new_events) == ["handoff.updated"]
    assert new_events()[0][1]["tags"] == ["vip"]


def test_note_writes_note_created(conversation, agent, new_events):
    services.note_add(conversation=conversation, author=agent, text="VIP customer")

    events = new_events()
    assert [t for t, _ in events] == ["note.created"]
    assert events[0][1]["content"] == "VIP customer"


def test_user_message_writes_message_created(bot, new_events):
    services.message_ingest(bot=bot, channel="web", user_id="u1", text="hello")

    events = new_events()
    assert [t for t, _ in events] == ["message.created"]
    assert events[0][1]["direction"] == "incoming"


def test_agent_message_writes_message_created(assigned_handoff, agent, conversation, new_events):
    services.message_send_agent(conversation=conversation, agent=agent, text="Hi, I'm here")

    events = new_events()
    assert [t for t, _ in events] == ["message.created"]
    assert events[0][1]["direction"] == "agent"
    assert events[0][1]["author"]["agentId"] == agent.pk


def test_online_switch_writes_agent_updated_once(agent, new_events):
    membership = agent.memberships.get()
    services.agent_set_online(membership=membership, online=False)
    services.agent_set_online(membership=membership, online=False)

    events = new_events()
    assert [t for t, _ in events] == ["agent.updated"]
    assert events[0][1]["online"] is False


def test_pause_twice_writes_one_event(conversation, agent, new_events):
    services.conversation_pause(conversation=conversation, actor=agent)
    services.conversation_pause(conversation=conversation, actor=agent)

    assert types(new_events) == ["conversation.paused"]


def test_refused_transition_writes_nothing(pending_handoff, agent, new_events):
    with pytest.raises(InvalidTransition):
        services.handoff_resolve(handoff=pending_handoff, actor=agent)

    assert types(new_events) == []


def test_rolled_back_transaction_leaves_no_event(conversation, new_events):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.handoff_request(conversation=conversation)
        raise RuntimeError("the caller failed after the service ran")

    assert types(new_events) == []
    assert not conversation.handoffs.exists()


def test_events_carry_the_workspace_and_bot(pending_handoff, bot):
    event = Event.objects.filter(type="handoff.created").get()

    envelope = event.envelope()
    assert event.workspace_id == bot.workspace_id
    assert envelope["botId"] == bot.bot_id
    assert envelope["resource"] == "handoff"
    assert set(envelope) == {"id", "type", "botId", "resource", "payload", "createdAt"}
