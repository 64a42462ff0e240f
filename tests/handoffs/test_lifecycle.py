"""Every allowed transition of the handoff lifecycle, and every refused one."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from agents.errors import Forbidden, InvalidTransition, Unprocessable
from handoffs import services
from handoffs.models import Handoff

pytestmark = pytest.mark.django_db


def test_request_creates_a_pending_handoff_and_pauses_the_conversation(conversation):
    handoff, created = services.handoff_request(conversation=conversation)

    conversation.refresh_from_db()
    assert created
    assert handoff.status == "pending"
    assert conversation.paused


def test_request_again_returns_the_open_handoff(pending_handoff, conversation):
    handoff, created = services.handoff_request(conversation=conversation)

    assert not created
    assert handoff.pk == pending_handoff.pk


def test_database_refuses_a_second_open_handoff(pending_handoff, conversation):
    with pytest.raises(IntegrityError), transaction.atomic():
        Handoff.objects.create(bot=conversation.bot, conversation=conversation)


def test_assign_pending(pending_handoff, agent):
    handoff = services.handoff_assign(handoff=pending_handoff, agent=agent)

    assert handoff.status == "assigned"
    assert handoff.agent == agent
    assert handoff.assigned_at is not None


def test_resolve_assigned_unpauses(assigned_handoff, agent, conversation):
    handoff = services.handoff_resolve(handoff=assigned_handoff, actor=agent)

    conversation.refresh_from_db()
    assert handoff.status == "resolved"
    assert handoff.resolved_at is not None
    assert not conversation.paused


def test_reject_pending(pending_handoff, agent, conversation):
    handoff = services.handoff_reject(handoff=pending_handoff, actor=agent)

    conversation.refresh_from_db()
    assert handoff.status == "rejected"
    assert not conversation.paused


def test_reject_assigned(assigned_handoff, agent):
    assert services.handoff_reject(handoff=assigned_handoff, actor=agent).status == "rejected"


def test_expire_pending(pending_handoff, conversation):
    handoff = services.handoff_expire(handoff=pending_handoff)

    conversation.refresh_from_db()
    assert handoff.status == "expired"
    assert not conversation.paused


def test_requeue_assigned(assigned_handoff, agent):
    handoff = services.handoff_requeue(handoff=assigned_handoff, actor=agent)

    assert handoff.status == "pending"
    assert handoff.agent is None


def test_transfer_assigned(assigned_handoff, agent, other_agent):
    handoff = services.handoff_transfer(handoff=assigned_handoff, to_agent=other_agent, actor=agent)

    assert handoff.status == "assigned"
    assert handoff.agent == other_agent


def test_resolve_a_pending_handoff_is_refused(pending_handoff, agent):
    with pytest.raises(InvalidTransition) as error:
        services.handoff_resolve(handoff=pending_handoff, actor=agent)
    assert error.value.code == "handoff_pending"


def test_assign_an_assigned_handoff_names_the_holder(assigned_handoff, other_agent, agent):
    with pytest.raises(InvalidTransition) as error:
        services.handoff_assign(handoff=assigned_handoff, agent=other_agent)

    assert error.value.code == "handoff_assigned"
    assert agent.agent_profile.display_name in error.value.message


def test_requeue_a_pending_handoff_is_refused(pending_handoff, admin):
    with pytest.raises(InvalidTransition):
        services.handoff_requeue(handoff=pending_handoff, actor=admin)


def test_expire_an_assigned_handoff_is_refused(assigned_handoff):
    with pytest.raises(InvalidTransition):
        services.handoff_expire(handoff=assigned_handoff)


@pytest.mark.parametrize("final", ["resolved", "rejected", "expired"])
@pytest.mark.parametrize("action", ["assign", "resolve", "reject", "expire", "requeue", "transfer"])
def test_nothing_leaves_a_final_state(final, action, conversation, agent, other_agent, admin):
    handoff, _ = services.handoff_request(conversation=conversation)
    if final == "resolved":
        services.handoff_assign(handoff=handoff, agent=agent)
        services.handoff_resolve(handoff=handoff, actor=agent)
    elif final == "rejected":
        services.handoff_reject(handoff=handoff, actor=agent)
    else:
        services.handoff_expire(handoff=handoff)
    calls = {
        "assign": lambda: services.handoff_assign(handoff=handoff, agent=other_agent),
        "resolve": lambda: services.handoff_resolve(handoff=handoff, actor=admin),
        "reject": lambda: services.handoff_reject(handoff=handoff, actor=admin),
        "expire": lambda: services.handoff_expire(handoff=handoff),
        "requeue": lambda: services.handoff_requeue(handoff=handoff, actor=admin),
        "transfer": lambda: services.handoff_transfer(
            handoff=handoff, to_agent=other_agent, actor=admin
        ),
    }

    with pytest.raises(InvalidTransition) as error:
        calls[action]()

    assert error.value.code == f"handoff_{final}"
    handoff.refresh_from_db()
    assert handoff.status == final


def test_a_new_handoff_may_open_after_the_last_one_closed(conversation, agent):
    first, _ = services.handoff_request(conversation=conversation)
    services.handoff_reject(handoff=first, actor=agent)

    second, created = services.handoff_request(conversation=conversation)

    assert created
    assert second.pk != first.pk


def test_offline_agent_cannot_assign(pending_handoff, agent):
    agent.memberships.update(online=False)

    with pytest.raises(Unprocessable) as error:
        services.handoff_assign(handoff=pending_handoff, agent=agent)

    assert error.value.message == "You must be online to perform this action"


def test_agent_at_capacity_cannot_take_more(bot, agent):
    from tests.factories import ConversationFactory

    bot.agent_capacity = 1
    bot.save()
    first, _ = services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))
    second, _ = services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))
    services.handoff_assign(handoff=first, agent=agent)

    with pytest.raises(Unprocessable) as error:
        services.handoff_assign(handoff=second, agent=agent)

    assert error.value.code == "agent_at_capacity"


def test_admin_assigns_past_capacity_and_while_offline(bot, agent, admin):
    from tests.factories import ConversationFactory

    bot.agent_capacity = 1
    bot.save()
    first, _ = services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))
    second, _ = services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))
    services.handoff_assign(handoff=first, agent=agent)

    handoff = services.handoff_assign(handoff=second, agent=agent, actor=admin)

    assert handoff.agent == agent


def test_agent_cannot_assign_someone_else(pending_handoff, agent, other_agent):
    with pytest.raises(Forbidden):
        services.handoff_assign(handoff=pending_handoff, agent=other_agent, actor=agent)


def test_only_the_holder_or_an_admin_resolves(assigned_handoff, other_agent, admin):
    with pytest.raises(Forbidden):
        services.handoff_resolve(handoff=assigned_handoff, actor=other_agent)

    assert services.handoff_resolve(handoff=assigned_handoff, actor=admin).status == "resolved"


def test_outsider_cannot_assign(pending_handoff):
    from tests.factories import MembershipFactory

    outsider = MembershipFactory().user

    with pytest.raises(Forbidden):
        services.handoff_assign(handoff=pending_handoff, agent=outsider)


def test_unpause_resolves_the_open_handoff(assigned_handoff, conversation, agent):
    services.conversation_unpause(conversation=conversation, actor=agent)

    assigned_handoff.refresh_from_db()
    conversation.refresh_from_db()
    assert assigned_handoff.status == "resolved"
    assert not conversation.paused


def test_unpausing_follows_the_rules_of_resolving(assigned_handoff, conversation, other_agent):
    with pytest.raises(Forbidden):
        services.conversation_unpause(conversation=conversation, actor=other_agent)

    other_agent.memberships.update(online=False)
    services.handoff_requeue(handoff=assigned_handoff, actor=assigned_handoff.agent)
    with pytest.raises(Unprocessable):
        services.conversation_unpause(conversation=conversation, actor=other_agent)

    assigned_handoff.refresh_from_db()
    conversation.refresh_from_db()
    assert assigned_handoff.status == "pending"
    assert conversation.paused


def test_the_bot_takes_its_user_back_whoever_holds_the_handoff(assigned_handoff, conversation):
    services.conversation_unpause(conversation=conversation, actor=None)

    assigned_handoff.refresh_from_db()
    assert assigned_handoff.status == "resolved"


def test_pause_and_unpause_without_handoff(conversation, agent):
    services.conversation_pause(conversation=conversation, actor=agent)
    conversation.refresh_from_db()
    assert conversation.paused
    assert conversation.paused_by == agent

    services.conversation_unpause(conversation=conversation, actor=agent)
    conversation.refresh_from_db()
    assert not conversation.paused


def test_labels_replace_and_create(pending_handoff, agent):
    services.handoff_set_labels(handoff=pending_handoff, names=["shipping", "vip"], actor=agent)
    services.handoff_set_labels(handoff=pending_handoff, names=["vip", " ", "vip"], actor=agent)

    assert [label.name for label in pending_handoff.labels.all()] == ["vip"]


def test_notes_survive_into_the_next_handoff(conversation, agent):
    first, _ = services.handoff_request(conversation=conversation)
    services.note_add(conversation=conversation, author=agent, text="Prefers email")
    services.handoff_reject(handoff=first, actor=agent)

    second, _ = services.handoff_request(conversation=conversation)

    assert [n.text for n in second.conversation.notes.all()] == ["Prefers email"]


def test_the_system_rejects_without_an_actor(assigned_handoff, conversation):
    handoff = services.handoff_reject(handoff=assigned_handoff, actor=None)

    conversation.refresh_from_db()
    assert handoff.status == "rejected"
    assert not conversation.paused
