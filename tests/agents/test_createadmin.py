"""`manage.py createadmin`: a deployment's first account, a superuser administering a workspace."""

from __future__ import annotations

import sys
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from agents.models import Membership, Workspace
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-pass-42"


def createadmin(*args: str, **options) -> str:
    out = StringIO()
    call_command("createadmin", *args, stdout=out, **options)
    return out.getvalue()


def test_it_creates_a_superuser_who_administers_a_new_workspace():
    createadmin("--email", "ops@example.com", "--password", PASSWORD, "--workspace", "Acme Support")

    user = get_user_model().objects.get(username="ops@example.com")
    assert user.is_superuser and user.is_staff
    assert user.email == "ops@example.com"
    assert user.check_password(PASSWORD)
    membership = Membership.objects.get(user=user)
    assert membership.role == Membership.Role.ADMIN
    assert (membership.workspace.name, membership.workspace.slug) == (
        "Acme Support",
        "acme-support",
    )


def test_the_admin_logs_in_to_the_admin_site(client):
    createadmin("--email", "ops@example.com", "--password", PASSWORD, "--workspace", "Acme")

    assert client.login(username="ops@example.com", password=PASSWORD)
    assert client.get("/admin/agents/workspace/").status_code == 200


def test_a_username_other_than_the_email_may_be_given():
    createadmin(
        "--email", "ops@example.com", "--username", "ops", "--password", PASSWORD,
        "--workspace", "Acme",
    )  # fmt: skip

    assert get_user_model().objects.get(username="ops").email == "ops@example.com"


def test_it_joins_an_existing_workspace_of_that_name():
    workspace = WorkspaceFactory(name="Acme", slug="acme")

    createadmin("--email", "ops@example.com", "--password", PASSWORD, "--workspace", "Acme")

    assert Workspace.objects.count() == 1
    assert Membership.objects.get(workspace=workspace).role == Membership.Role.ADMIN


def test_the_password_may_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)

    createadmin("--email", "ops@example.com", "--workspace", "Acme", "--no-input")

    assert get_user_model().objects.get(username="ops@example.com").check_password(PASSWORD)


def test_in_a_terminal_it_asks_for_the_password_twice(monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    monkeypatch.setattr(sys, "stdin", _Terminal())
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr(
        "agents.management.commands.createadmin.getpass", lambda prompt: next(answers)
    )

    createadmin("--email", "ops@example.com", "--workspace", "Acme")

    assert get_user_model().objects.get(username="ops@example.com").check_password(PASSWORD)


def test_without_a_password_or_a_terminal_it_refuses(monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)

    with pytest.raises(CommandError, match="No password"):
        createadmin("--email", "ops@example.com", "--workspace", "Acme", "--no-input")

    assert not get_user_model().objects.exists()


def test_a_weak_password_is_refused():
    with pytest.raises(CommandError, match="too common|too short"):
        createadmin("--email", "ops@example.com", "--password", "password", "--workspace", "Acme")

    assert not get_user_model().objects.exists()
    assert not Workspace.objects.exists()


def test_running_it_again_changes_nothing():
    createadmin("--email", "ops@example.com", "--password", PASSWORD, "--workspace", "Acme")

    out = createadmin(
        "--email", "ops@example.com", "--password", "another-pass-for-ops-7", "--workspace", "Acme"
    )

    assert "nothing changed" in out
    assert get_user_model().objects.get().check_password(PASSWORD)
    assert Membership.objects.count() == 1


def test_an_existing_account_that_is_not_that_admin_is_refused():
    agent = UserFactory(username="ops@example.com")
    MembershipFactory(user=agent, workspace=WorkspaceFactory(slug="acme"), role="agent")

    with pytest.raises(CommandError, match="already exists"):
        createadmin("--email", "ops@example.com", "--password", PASSWORD, "--workspace", "Acme")

    agent.refresh_from_db()
    assert not agent.is_superuser
    assert Membership.objects.get(user=agent).role == "agent"


def test_a_workspace_name_without_letters_or_digits_is_refused():
    with pytest.raises(CommandError, match="letter or a digit"):
        createadmin("--email", "ops@example.com", "--password", PASSWORD, "--workspace", "!!!")

    assert not get_user_model().objects.exists()


class _Terminal(StringIO):
    def isatty(self) -> bool:
        return True
