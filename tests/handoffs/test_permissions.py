"""`allowedActions` and the services agree: whatever the caller is offered, the service does, and
whatever it refuses, the caller is not offered (handoffs/permissions.py is the one home)."""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction

from agents.errors import ApplicationError
from handoffs import services
from handoffs.models import Conversation, Handoff
from handoffs.permissions import conversation_actions, handoff_actions
from tests.factories import ConversationFactory, MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db

ACTIONS = {
    "assign": lambda h, me, other: services.handoff_assign(handoff=h, agent=me, actor=me),
    "resolve": lambda h, me, other: services.handoff_resolve(handoff=h, actor=me),
    "requeue": lambda h, me, other: services.handoff_requeue(handoff=h, actor=me),
    "reject": lambda h, me, other: services.handoff_reject(handoff=h, actor=me),
    "transfer": lambda h, me, other: (
        services.handoff_transfer(handoff=h, to_agent=other, actor=me)
        if h.status == "assigned"
        # A waiting handoff is "transferred" by an admin assigning it to someone.
        else services.handoff_assign(handoff=h, agent=other, actor=me)
    ),
    "compose": lambda h, me, other: services.message_send_agent(
        conversation=h.conversation, agent=me, text="hi"
    ),
    "delete": lambda h, me, other: services.conversation_delete(
        conversation=h.conversation, actor=me
    ),
    "prioritize": lambda h, me, other: services.handoff_set_priority(
        handoff=h, priority="urgent", actor=me
    ),
    "transfer_team": lambda h, me, other: services.handoff_transfer_team(
        handoff=h, team=TeamFactory(workspace=h.bot.workspace), actor=me
    ),
}


class Refused(Exception):
    pass


def attempt(action: str, handoff_id: int, me, other) -> bool:
    """Run the service in a transaction that is always rolled back; True if it went through."""
    try:
        with transaction.atomic():
            handoff = Handoff.objects.select_related("bot", "conversation").get(pk=handoff_id)
            try:
                ACTIONS[action](handoff, me, other)
            except ApplicationError:
                return False
            raise Refused  # undo what it did
    except Refused:
        return True


SITUATIONS = list(
    itertools.product(
        ["pending", "assigned-to-me", "assigned-to-other", "resolved"],
        ["agent", "admin"],
        [True, False],  # online
    )
)


@pytest.mark.parametrize(("status", "role", "online"), SITUATIONS)
def test_what_is_offered_is_what_the_services_do(status, role, online, bot):
    bot.enable_conversation_deletion = True
    bot.save()
    me = MembershipFactory(workspace=bot.workspace, role=role, online=True)
    other = MembershipFactory(workspace=bot.workspace, online=True)
    handoff, _ = services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))
    if status.startswith("assigned") or status == "resolved":
        holder = me if status != "assigned-to-other" else other
        services.handoff_assign(handoff=handoff, agent=holder.user)
    if status == "resolved":
        services.handoff_resolve(handoff=handoff, actor=me.user)
    me.online = online
    me.save()
    handoff = Handoff.objects.select_related("bot", "conversation").get(pk=handoff.pk)

    offered = handoff_actions(handoff=handoff, membership=me)
    done = {action: attempt(action, handoff.pk, me.user, other.user) for action in ACTIONS}

    assert offered == done


def test_a_token_is_offered_only_to_reject_or_prioritize_an_open_handoff(pending_handoff):
    offered = handoff_actions(handoff=pending_handoff, membership=None)

    assert [action for action, allowed in offered.items() if allowed] == ["reject", "prioritize"]


CONVERSATION_ACTIONS = {
    "compose": lambda c, me: services.message_send_agent(conversation=c, agent=me, text="hi"),
    "unpause": lambda c, me: services.conversation_unpause(conversation=c, actor=me),
    "delete": lambda c, me: services.conversation_delete(conversation=c, actor=me),
}


def attempt_on_conversation(action: str, conversation_id: int, me) -> bool:
    try:
        with transaction.atomic():
            conversation = Conversation.objects.select_related("bot").get(pk=conversation_id)
            try:
                CONVERSATION_ACTIONS[action](conversation, me)
            except ApplicationError:
                return False
            raise Refused
    except Refused:
        return True


@pytest.mark.parametrize(
    ("situation", "role", "online"),
    list(
        itertools.product(
            ["paused by hand", "pending", "assigned-to-me", "assigned-to-other"],
            ["agent", "admin"],
            [True, False],
        )
    ),
)
def test_what_a_conversation_offers_is_what_the_services_do(situation, role, online, bot):
    bot.enable_conversation_deletion = True
    bot.save()
    me = MembershipFactory(workspace=bot.workspace, role=role, online=True)
    other = MembershipFactory(workspace=bot.workspace, online=True)
    conversation = ConversationFactory(end_user__bot=bot)
    if situation == "paused by hand":
        services.conversation_pause(conversation=conversation)
    else:
        handoff, _ = services.handoff_request(conversation=conversation)
        if situation.startswith("assigned"):
            holder = me if situation == "assigned-to-me" else other
            services.handoff_assign(handoff=handoff, agent=holder.user)
    me.online = online
    me.save()
    conversation = Conversation.objects.select_related("bot").get(pk=conversation.pk)
    open_handoff = Handoff.objects.filter(
        conversation=conversation, status__in=Handoff.OPEN_STATUSES
    ).first()

    offered = conversation_actions(
        conversation=conversation, open_handoff=open_handoff, membership=me
    )
    done = {a: attempt_on_conversation(a, conversation.pk, me.user) for a in CONVERSATION_ACTIONS}

    assert {action: offered[action] for action in CONVERSATION_ACTIONS} == done
