"""visible_events_after, the replay's read, is written out as SQL: it must keep the rule of
what an agent may see (`_visible`, the ORM's, which the stub fetch still uses) on every mix of
workspaces, recipients and `after`."""

from __future__ import annotations

import itertools

import pytest

from handoffs.models import Event
from handoffs.realtime.selectors import _visible, visible_events_after
from tests.factories import MembershipFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox():
    """Events of three workspaces: shared, for one agent, for another, for a stranger."""
    workspaces = [WorkspaceFactory() for _ in range(3)]
    ann, bob = (MembershipFactory(workspace=workspaces[0]).user for _ in range(2))
    recipients = [None, ann.pk, bob.pk, 10**9]
    for workspace, recipient in itertools.product(workspaces, recipients * 2):
        Event.objects.create(
            workspace=workspace, type="note.created", resource="note", recipient_id=recipient
        )
    return [w.pk for w in workspaces], [ann.pk, bob.pk]


def test_the_written_out_read_keeps_the_rule_of_visible(outbox):
    workspaces, agents = outbox
    ids = list(Event.objects.order_by("id").values_list("id", flat=True))
    cases = itertools.product(
        [workspaces[:1], workspaces[:2], workspaces, []],
        [agents[:1], agents, []],
        [0, ids[5], ids[-1]],
        [500, 3],
    )
    for workspace_ids, user_ids, after, limit in cases:
        expected = list(
            _visible(workspace_ids=workspace_ids, user_ids=user_ids)
            .filter(id__gt=after)
            .order_by("id")
            .values_list("id", "workspace_id", "recipient_id")[:limit]
        )

        rows = visible_events_after(
            workspace_ids=workspace_ids, user_ids=user_ids, after=after, limit=limit
        )

        assert [tuple(row) for row in rows] == expected, (workspace_ids, user_ids, after, limit)
    assert expected == []  # the last case: after the newest event


def test_an_agent_sees_shared_events_and_their_own_only(outbox):
    workspaces, (ann, bob) = outbox

    rows = visible_events_after(workspace_ids=workspaces[:1], user_ids=[ann], after=0)

    assert {recipient for _, _, recipient in rows} == {None, ann}
    assert len(rows) == 4
