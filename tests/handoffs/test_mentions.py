"""Mentions in notes: "@username" or "@Display Name" of a member notifies that agent."""

from __future__ import annotations

import pytest

from handoffs import services
from handoffs.models import Event, Notification
from handoffs.services.mentions import mentioned_user_ids
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def grace(workspace):
    user = UserFactory(username="grace", profile="Grace Hopper")
    MembershipFactory(workspace=workspace, user=user)
    return user


def mentions(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=Notification.Kind.MENTION))


def test_a_username_mention_notifies_with_a_link_to_the_handoff(pending_handoff, agent, grace):
    note = services.note_add(
        conversation=pending_handoff.conversation, author=agent, text="@grace can you look?"
    )

    (notification,) = mentions(grace)
    assert notification.handoff == pending_handoff
    assert notification.conversation == note.conversation
    assert notification.link.endswith(f"?handoff={pending_handoff.pk}")
    assert "mentioned you" in notification.message
    assert "can you look?" in notification.message
    private = Event.objects.filter(type="notification.created", recipient_id=grace.pk)
    assert private.count() == 1


def test_a_display_name_mention_counts_in_any_case(pending_handoff, agent, grace):
    services.note_add(
        conversation=pending_handoff.conversation, author=agent, text="Ask @grace hopper."
    )

    assert len(mentions(grace)) == 1


def test_a_note_without_a_handoff_links_to_the_conversation(conversation, agent, grace):
    services.note_add(conversation=conversation, author=agent, text="cc @grace")

    (notification,) = mentions(grace)
    assert notification.handoff is None
    assert notification.link.endswith(f"/conversations/?conversation={conversation.pk}")


def test_only_members_of_the_workspace_are_notified(pending_handoff, agent):
    outsider = MembershipFactory(user=UserFactory(username="mallory")).user

    services.note_add(conversation=pending_handoff.conversation, author=agent, text="@mallory")

    assert mentions(outsider) == []


def test_the_author_is_not_notified_of_their_own_mention(pending_handoff, agent):
    services.note_add(
        conversation=pending_handoff.conversation, author=agent, text=f"@{agent.username}"
    )

    assert mentions(agent) == []


def test_two_mentions_of_the_same_agent_notify_once(pending_handoff, agent, grace):
    services.note_add(
        conversation=pending_handoff.conversation,
        author=agent,
        text="@grace and again @Grace Hopper",
    )

    assert len(mentions(grace)) == 1


@pytest.mark.parametrize(
    "text",
    ["grace@example.com", "@gracey", "@grace.smith", "no mention of grace"],
)
def test_what_is_not_a_mention(workspace, grace, text):
    assert mentioned_user_ids(text=text, workspace_id=workspace.pk) == []


@pytest.mark.parametrize("text", ["@grace", "(@grace)", "@grace, hi", "hi @GRACE.", "@grace:"])
def test_what_is_a_mention(workspace, grace, text):
    assert mentioned_user_ids(text=text, workspace_id=workspace.pk) == [grace.pk]
