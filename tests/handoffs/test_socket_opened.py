"""An agent's socket opening (services.agent_socket_opened): a lease for the process, the agent
seen in each workspace, and those workspaces' ids; on PostgreSQL in one statement."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.models import Membership, SocketLease
from handoffs import services
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


def test_the_lease_the_memberships_and_the_workspaces():
    agent = UserFactory()
    long_ago = timezone.now() - timedelta(days=1)
    first = MembershipFactory(user=agent, sockets_closed_at=long_ago, last_seen_at=long_ago)
    second = MembershipFactory(user=agent, workspace=WorkspaceFactory())
    colleague = MembershipFactory(workspace=first.workspace, last_seen_at=long_ago)

    lease_id, workspace_ids = services.agent_socket_opened(user=agent, process="web-1")

    lease = SocketLease.objects.get(pk=lease_id)
    assert (lease.user_id, lease.process) == (agent.pk, "web-1")
    assert sorted(workspace_ids) == sorted([first.workspace_id, second.workspace_id])
    for membership in Membership.objects.filter(user=agent):
        assert membership.last_seen_at == lease.opened_at
        assert membership.sockets_closed_at is None
    colleague.refresh_from_db()
    assert colleague.last_seen_at == long_ago


def test_an_agent_of_no_workspace_gets_a_lease_and_no_workspace():
    lease_id, workspace_ids = services.agent_socket_opened(user=UserFactory(), process="web-1")

    assert SocketLease.objects.filter(pk=lease_id).exists()
    assert list(workspace_ids) == []


def test_on_postgresql_it_is_one_statement():
    if connection.vendor != "postgresql":
        pytest.skip("written out for PostgreSQL only")
    agent = MembershipFactory().user
    with CaptureQueriesContext(connection) as captured:
        services.agent_socket_opened(user=agent, process="web-1")

    assert len(captured.captured_queries) == 1
