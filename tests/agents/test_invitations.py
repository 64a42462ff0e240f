"""Invitations: an admin invites by email, the one-time link joins the workspace with a role."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from agents import services
from agents.errors import ApplicationError, Conflict, NotFound
from agents.models import Invitation, Membership
from tests.deliveries import deliver_due
from tests.factories import BotFactory, MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-pass-42"


def link_path(link: str) -> str:
    return re.search(r"https?://[^/]+(/invitations/[^/\s]+/)", link).group(1)


def sent_invitation(workspace, role: str = "agent") -> tuple[Invitation, str]:
    invitation = services.invitation_create(workspace=workspace, email="new@example.com", role=role)
    link = services.invitation_send(invitation=invitation, base_url="http://testserver")
    deliver_due()  # what the `deliver` process does with the invitation's e-mail
    return invitation, link_path(link)


def signup(client: Client, path: str, username: str = "newbie", **extra: str):
    data = {
        "display_name": "New Person",
        "username": username,
        "password1": PASSWORD,
        "password2": PASSWORD,
        **extra,
    }
    return client.post(path, data, follow=True)


# --- services ---------------------------------------------------------------------------


def test_create_keeps_no_link_until_sent(workspace):
    invitation = services.invitation_create(workspace=workspace, email="A@Example.COM")

    assert invitation.sent_at is None
    assert invitation.email == "A@example.com"
    assert invitation.expires_at > timezone.now()


def test_create_refuses_an_unknown_role(workspace):
    with pytest.raises(ApplicationError):
        services.invitation_create(workspace=workspace, email="a@example.com", role="owner")


def test_send_mails_a_link_whose_token_is_stored_only_as_a_hash(workspace):
    invitation, path = sent_invitation(workspace)

    message = mail.outbox[0]
    token = path.split("/")[2]
    invitation.refresh_from_db()
    assert message.to == ["new@example.com"]
    assert f"http://testserver{path}" in message.body
    assert workspace.name in message.subject
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    assert invitation.sent_at is not None


def test_sending_again_replaces_the_link(workspace):
    invitation, first = sent_invitation(workspace)
    second = link_path(services.invitation_send(invitation=invitation, base_url="http://x"))

    with pytest.raises(NotFound):
        services.invitation_get(token=first.split("/")[2])
    assert services.invitation_get(token=second.split("/")[2]) == invitation


def test_an_accepted_invitation_is_not_sent_again(workspace):
    invitation, path = sent_invitation(workspace)
    services.invitation_accept(token=path.split("/")[2], username="x", password=PASSWORD)

    with pytest.raises(Conflict):
        services.invitation_send(invitation=invitation, base_url="http://testserver")


def test_a_link_works_once(workspace):
    _, path = sent_invitation(workspace)
    token = path.split("/")[2]
    services.invitation_accept(token=token, username="first", password=PASSWORD)

    with pytest.raises(Conflict):
        services.invitation_accept(token=token, username="second", password=PASSWORD)
    assert not get_user_model().objects.filter(username="second").exists()


def test_accepting_as_an_admin_opens_the_admin(workspace):
    _, path = sent_invitation(workspace, role="admin")

    user = services.invitation_accept(token=path.split("/")[2], username="boss", password=PASSWORD)

    assert user.is_staff
    assert Membership.objects.get(user=user, workspace=workspace).role == "admin"


def test_accepting_as_an_agent_gives_no_admin(workspace):
    _, path = sent_invitation(workspace)

    user = services.invitation_accept(token=path.split("/")[2], username="sam", password=PASSWORD)

    assert not user.is_staff


# --- the link's page --------------------------------------------------------------------


def test_the_page_asks_for_name_username_and_password(client, workspace):
    _, path = sent_invitation(workspace)

    response = client.get(path)

    assert response.status_code == 200
    for field in ("display_name", "username", "password1", "password2"):
        assert f'name="{field}"' in response.content.decode()
    assert workspace.name in response.content.decode()


def test_signing_up_joins_the_workspace_and_logs_in(client, workspace):
    bot = BotFactory(workspace=workspace)
    _, path = sent_invitation(workspace)

    response = signup(client, path)

    user = get_user_model().objects.get(username="newbie")
    assert response.redirect_chain[-1][0] == f"/workspace/{bot.bot_id}/"
    assert user.email == "new@example.com"
    assert user.agent_profile.display_name == "New Person"
    assert Membership.objects.get(user=user).role == "agent"
    assert Invitation.objects.get().accepted_at is not None


def test_a_used_link_says_so(client, workspace):
    _, path = sent_invitation(workspace)
    signup(client, path)

    response = Client().get(path)

    assert response.status_code == 409
    assert b"already used" in response.content


def test_an_expired_link_says_so(client, workspace):
    invitation, path = sent_invitation(workspace)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(1))

    response = client.get(path)
    posted = signup(client, path)

    assert response.status_code == 410
    assert b"expired" in response.content
    assert posted.status_code == 410
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_an_unknown_link_says_so(client):
    response = client.get("/invitations/not-a-real-token/")

    assert response.status_code == 404
    assert b"not valid" in response.content


def test_a_taken_username_is_refused(client, workspace):
    UserFactory(username="newbie")
    _, path = sent_invitation(workspace)

    response = signup(client, path)

    assert response.status_code == 200
    assert b"already exists" in response.content
    assert Invitation.objects.get().accepted_at is None


def test_a_weak_password_is_refused(client, workspace):
    _, path = sent_invitation(workspace)

    response = signup(client, path, password1="123", password2="123")

    assert b"too short" in response.content
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_a_logged_in_user_joins_with_their_account(client, workspace):
    user = MembershipFactory().user
    _, path = sent_invitation(workspace, role="admin")
    client.force_login(user)

    page = client.get(path)
    client.post(path)

    assert b"Join as" in page.content
    assert Membership.objects.get(user=user, workspace=workspace).role == "admin"
    user.refresh_from_db()
    assert user.is_staff


def test_a_member_cannot_join_twice(client, workspace):
    user = MembershipFactory(workspace=workspace).user
    _, path = sent_invitation(workspace)
    client.force_login(user)

    response = client.post(path, follow=True)

    assert b"already a member" in response.content
    assert Invitation.objects.get().accepted_at is None


# --- the admin ----------------------------------------------------------------------------


@pytest.fixture
def workspace_admin(workspace):
    return services.agent_create(
        workspace=workspace, username="boss", password=PASSWORD, role="admin"
    )


def test_a_workspace_admin_adds_an_invitation(workspace, workspace_admin):
    client = Client()
    client.force_login(workspace_admin)

    response = client.post(
        "/admin/agents/invitation/add/",
        {"workspace": workspace.pk, "email": "kim@example.com", "role": "agent", "_save": "Save"},
    )

    assert response.status_code == 302, response.content
    invitation = Invitation.objects.get()
    assert invitation.invited_by == workspace_admin
    assert invitation.sent_at is None
    assert mail.outbox == []


def test_a_workspace_admin_cannot_invite_to_another_workspace(workspace_admin):
    other = WorkspaceFactory()
    client = Client()
    client.force_login(workspace_admin)

    response = client.post(
        "/admin/agents/invitation/add/",
        {"workspace": other.pk, "email": "kim@example.com", "role": "agent", "_save": "Save"},
    )

    assert response.status_code == 200
    assert not Invitation.objects.exists()


def test_the_send_action_emails_the_links(workspace, workspace_admin):
    first = services.invitation_create(workspace=workspace, email="a@example.com")
    second = services.invitation_create(workspace=workspace, email="b@example.com")
    client = Client()
    client.force_login(workspace_admin)

    response = client.post(
        "/admin/agents/invitation/",
        {"action": "send_invitation", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )

    assert b"Sent 2 invitation(s)." in response.content
    assert mail.outbox == []  # the request only wrote the deliveries
    deliver_due()
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.com", "b@example.com"]
    assert all("http://testserver/invitations/" in m.body for m in mail.outbox)


def test_the_send_action_reports_an_accepted_invitation(workspace, workspace_admin):
    invitation, path = sent_invitation(workspace)
    services.invitation_accept(token=path.split("/")[2], username="x", password=PASSWORD)
    mail.outbox.clear()
    client = Client()
    client.force_login(workspace_admin)

    response = client.post(
        "/admin/agents/invitation/",
        {"action": "send_invitation", "_selected_action": [invitation.pk]},
        follow=True,
    )

    assert b"already accepted" in response.content
    deliver_due()
    assert mail.outbox == []


def test_invitation_end_to_end(workspace, workspace_admin):
    """Admin adds and sends; the invitee follows the emailed link and lands in the workspace."""
    bot = BotFactory(workspace=workspace, name="Help Bot")
    admin_client = Client()
    admin_client.post("/accounts/login/", {"username": "boss", "password": PASSWORD})
    admin_client.post(
        "/admin/agents/invitation/add/",
        {"workspace": workspace.pk, "email": "kim@example.com", "role": "agent", "_save": "Save"},
    )
    admin_client.post(
        "/admin/agents/invitation/",
        {"action": "send_invitation", "_selected_action": [Invitation.objects.get().pk]},
    )
    deliver_due()
    path = link_path(mail.outbox[0].body)

    invitee = Client()
    response = signup(invitee, path, username="kim")

    assert response.redirect_chain[-1][0] == f"/workspace/{bot.bot_id}/"
    assert b"Help Bot" in response.content
    assert b"Welcome to" in response.content
    assert (
        Client().post("/accounts/login/", {"username": "kim", "password": PASSWORD}).status_code
        == 302
    )
    assert Client().get(path).status_code == 409


def test_the_request_only_writes_the_mail_the_worker_sends(workspace):
    from handoffs.models import Delivery

    invitation = services.invitation_create(workspace=workspace, email="new@example.com")
    services.invitation_send(invitation=invitation, base_url="http://testserver")

    assert mail.outbox == []
    delivery = Delivery.objects.get(kind="email")
    assert (delivery.payload["to"], delivery.workspace_id) == (["new@example.com"], workspace.pk)
    deliver_due()
    assert [m.to for m in mail.outbox] == [["new@example.com"]]
    assert mail.outbox[0].extra_headers["X-Hitl-Delivery"] == str(delivery.delivery_id)


def test_the_subject_shows_the_workspace_name_as_written(workspace):
    workspace.name = "Smith & Sons <support>"
    workspace.save()

    sent_invitation(workspace)

    assert "Smith & Sons <support>" in mail.outbox[0].subject
