"""The admin for workspace admins: only their workspaces; superusers keep everything."""

from __future__ import annotations

import pytest
from django.test import Client

from agents import services
from agents.models import Membership
from handoffs import services as handoff_services
from tests.factories import (
    BotFactory,
    ConversationFactory,
    MembershipFactory,
    UserFactory,
    WorkspaceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(workspace):
    return services.agent_create(
        workspace=workspace, username="boss", password="x-long-pass-1", role="admin"
    )


@pytest.fixture
def foreign_bot():
    return BotFactory(name="Foreign Bot", workspace=WorkspaceFactory(name="Elsewhere Inc"))


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_workspace_admins_are_staff(boss):
    assert boss.is_staff and not boss.is_superuser


def test_a_workspace_admin_sees_only_their_bots(boss, bot, foreign_bot):
    content = as_user(boss).get("/admin/handoffs/bot/").content.decode()

    assert bot.bot_id in content
    assert foreign_bot.bot_id not in content
    # Nor in the sidebar filters.
    assert "Elsewhere Inc" not in content


def test_a_workspace_admin_cannot_open_another_workspaces_bot(boss, foreign_bot):
    response = as_user(boss).get(f"/admin/handoffs/bot/{foreign_bot.pk}/change/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_a_workspace_admin_edits_their_bot(boss, bot):
    response = as_user(boss).get(f"/admin/handoffs/bot/{bot.pk}/change/")

    assert response.status_code == 200
    # Labels and templates are edited inline, so the inlines must be allowed too.
    inlines = [f.opts.model.__name__ for f in response.context["inline_admin_formsets"]]
    assert inlines == ["Label", "MessageTemplate", "TeamRule", "BusinessHours", "Holiday"]
    assert all(f.has_add_permission for f in response.context["inline_admin_formsets"])


def test_bot_form_offers_only_their_workspaces(boss, workspace, foreign_bot):
    form = as_user(boss).get("/admin/handoffs/bot/add/").context["adminform"].form

    assert list(form.fields["workspace"].queryset) == [workspace]


def test_handoffs_are_scoped(boss, bot, foreign_bot):
    mine, _ = handoff_services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))
    theirs, _ = handoff_services.handoff_request(
        conversation=ConversationFactory(end_user__bot=foreign_bot)
    )

    response = as_user(boss).get("/admin/handoffs/handoff/")

    assert [h.pk for h in response.context["cl"].result_list] == [mine.pk]
    assert theirs.pk != mine.pk


@pytest.mark.parametrize(
    ("path", "workspace_of"),
    [
        ("/admin/agents/membership/", lambda row: row.workspace_id),
        ("/admin/agents/invitation/", lambda row: row.workspace_id),
        ("/admin/agents/apitoken/", lambda row: row.workspace_id),
        ("/admin/agents/agentprofile/", lambda row: row.user.memberships.get().workspace_id),
        ("/admin/handoffs/enduser/", lambda row: row.bot.workspace_id),
        ("/admin/handoffs/conversation/", lambda row: row.bot.workspace_id),
        ("/admin/handoffs/message/", lambda row: row.conversation.bot.workspace_id),
        ("/admin/handoffs/event/", lambda row: row.workspace_id),
        ("/admin/handoffs/notification/", lambda row: row.workspace_id),
    ],
)
def test_every_changelist_is_scoped(boss, workspace, bot, foreign_bot, path, workspace_of):
    for some_bot in (bot, foreign_bot):
        services.api_token_create(workspace=some_bot.workspace, name="token")
        services.invitation_create(workspace=some_bot.workspace, email="x@example.com")
        MembershipFactory(workspace=some_bot.workspace)
        handoff_services.message_ingest(bot=some_bot, channel="web", user_id="u", text="hi")
        handoff_services.handoff_request(conversation=ConversationFactory(end_user__bot=some_bot))

    response = as_user(boss).get(path)

    rows = list(response.context["cl"].result_list)
    assert rows
    assert {workspace_of(row) for row in rows} == {workspace.pk}


def test_webhooks_and_channels_are_the_workspace_admins_to_manage(
    boss, workspace, bot, foreign_bot
):
    from channels_adapters.models import ConnectorSettings, MessengerSettings
    from handoffs.models import WebhookEndpoint

    for n, some_bot in enumerate((bot, foreign_bot)):
        WebhookEndpoint.objects.create(
            workspace=some_bot.workspace, url=f"https://hooks.example.com/{n}", secret="s"
        )
        MessengerSettings.objects.create(bot=some_bot, page_id=f"page-{n}", verify_token="v")
        ConnectorSettings.objects.create(bot=some_bot)
        handoff_services.handoff_request(conversation=ConversationFactory(end_user__bot=some_bot))
    client = as_user(boss)

    for path, workspace_of in [
        ("/admin/handoffs/webhookendpoint/", lambda row: row.workspace_id),
        ("/admin/handoffs/delivery/", lambda row: row.workspace_id),
        ("/admin/channels_adapters/messengersettings/", lambda row: row.bot.workspace_id),
        ("/admin/channels_adapters/connectorsettings/", lambda row: row.bot.workspace_id),
    ]:
        rows = list(client.get(path).context["cl"].result_list)
        assert rows, path
        assert {workspace_of(row) for row in rows} == {workspace.pk}, path
    form = client.get("/admin/handoffs/webhookendpoint/add/").context["adminform"].form
    assert list(form.fields["workspace"].queryset) == [workspace]


def test_a_workspace_admin_never_reads_what_a_webhook_receiver_answered(boss, bot):
    from handoffs.models import Delivery, WebhookEndpoint

    WebhookEndpoint.objects.create(
        workspace=bot.workspace, url="http://169.254.169.254/latest/", secret="s"
    )
    handoff_services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))
    delivery = Delivery.objects.first()
    delivery.last_response = "instance-secret-token"
    delivery.save()

    page = as_user(boss).get(f"/admin/handoffs/delivery/{delivery.pk}/change/")

    assert page.status_code == 200
    assert "instance-secret-token" not in page.content.decode()
    assert not page.context["has_delete_permission"]


def test_a_workspace_admin_cannot_create_workspaces(boss):
    assert as_user(boss).get("/admin/agents/workspace/add/").status_code == 403


def test_a_workspace_admin_cannot_add_memberships(boss):
    assert as_user(boss).get("/admin/agents/membership/add/").status_code == 403


def test_a_workspace_admin_cannot_see_user_accounts(boss):
    assert as_user(boss).get("/admin/auth/user/").status_code == 403


def test_an_agent_has_no_admin(agent):
    response = as_user(agent).get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_without_an_admin_membership_sees_nothing(workspace):
    clerk = MembershipFactory(workspace=workspace, user__is_staff=True).user

    response = as_user(clerk).get("/admin/")

    assert response.status_code == 200
    assert response.context["app_list"] == []
    assert as_user(clerk).get("/admin/handoffs/bot/").status_code == 403


def test_a_superuser_sees_everything(bot, foreign_bot):
    root = UserFactory(is_superuser=True, is_staff=True)

    content = as_user(root).get("/admin/handoffs/bot/").content.decode()

    assert bot.bot_id in content and foreign_bot.bot_id in content


def test_demoting_an_admin_closes_the_admin(boss, workspace):
    root = UserFactory(is_superuser=True, is_staff=True)
    membership = Membership.objects.get(user=boss)

    response = as_user(root).post(
        f"/admin/agents/membership/{membership.pk}/change/",
        {"workspace": workspace.pk, "user": boss.pk, "role": "agent", "_save": "Save"},
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    boss.refresh_from_db()
    assert not boss.is_staff


def test_staff_made_by_hand_stays_staff(workspace):
    helper = UserFactory(is_staff=True)

    services.user_sync_staff(user=helper)

    helper.refresh_from_db()
    assert helper.is_staff


def test_removing_admins_in_bulk_closes_their_admin(boss, workspace):
    root = UserFactory(is_superuser=True, is_staff=True)
    membership = Membership.objects.get(user=boss)
    MembershipFactory(user=boss, workspace=WorkspaceFactory(), role="agent")

    response = as_user(root).post(
        "/admin/agents/membership/",
        {"action": "delete_selected", "_selected_action": [membership.pk], "post": "yes"},
    )

    assert response.status_code == 302
    boss.refresh_from_db()
    assert not boss.is_staff


def test_a_membership_keeps_its_person_and_workspace(boss, workspace):
    root = UserFactory(is_superuser=True, is_staff=True)
    membership = Membership.objects.get(user=boss)
    elsewhere = WorkspaceFactory()

    as_user(root).post(
        f"/admin/agents/membership/{membership.pk}/change/",
        {"workspace": elsewhere.pk, "user": root.pk, "role": "agent", "_save": "Save"},
    )

    membership.refresh_from_db()
    assert (membership.workspace_id, membership.user_id) == (workspace.pk, boss.pk)
    assert membership.role == "agent"
