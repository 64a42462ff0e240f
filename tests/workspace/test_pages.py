"""Who may open which workspace page, and what the server renders before any script runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from handoffs import services
from handoffs.models import Event, Handoff
from tests.factories import (
    BotFactory,
    ConversationFactory,
    LabelFactory,
    MembershipFactory,
    MessageTemplateFactory,
    UserFactory,
)

from .conftest import page_state

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client, bot):
    response = client.get(f"/workspace/{bot.bot_id}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_home_sends_an_agent_to_their_only_bot(login, agent, bot):
    response = login(agent).get("/", follow=True)

    assert response.redirect_chain[-1][0] == f"/workspace/{bot.bot_id}/"
    assert response.status_code == 200


def test_several_bots_are_listed(login, agent, bot, workspace):
    other = BotFactory(workspace=workspace, name="Sales Bot")

    response = login(agent).get("/workspace/")

    assert response.status_code == 200
    assert f"/workspace/{bot.bot_id}/" in response.content.decode()
    assert f"/workspace/{other.bot_id}/" in response.content.decode()


def test_bots_of_other_workspaces_are_not_listed(login, agent, bot, workspace):
    BotFactory(workspace=workspace)
    foreign = BotFactory()

    response = login(agent).get("/workspace/")

    assert foreign.bot_id not in response.content.decode()


def test_user_without_workspace_is_told_so(login):
    response = login(UserFactory()).get("/workspace/")

    assert response.status_code == 200
    assert b"No workspace yet" in response.content


def test_another_workspaces_bot_is_unknown(login, agent):
    foreign = BotFactory()

    assert login(agent).get(f"/workspace/{foreign.bot_id}/").status_code == 404


def test_superuser_outside_the_workspace_is_not_an_agent_of_it(login, bot):
    root = UserFactory(is_superuser=True, is_staff=True)

    assert login(root).get(f"/workspace/{bot.bot_id}/").status_code == 404


def test_unknown_bot_is_404(login, agent, bot):
    assert login(agent).get("/workspace/no-such-bot/").status_code == 404


def test_header_shows_name_switch_and_profile_link(login, agent, bot):
    content = login(agent).get(f"/workspace/{bot.bot_id}/").content.decode()

    assert agent.agent_profile.display_name in content
    assert 'id="online-toggle" role="switch"' in content
    assert 'href="/accounts/profile/"' in content


def test_admin_link_only_for_staff(login, agent, bot, workspace):
    boss = MembershipFactory(workspace=workspace, role="admin", user__is_staff=True).user

    assert b'href="/admin/"' not in login(agent).get(f"/workspace/{bot.bot_id}/").content
    assert b'href="/admin/"' in login(boss).get(f"/workspace/{bot.bot_id}/").content


def test_list_starts_with_the_queue_and_my_handoffs(login, agent, other_agent, bot):
    pending = services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))[0]
    mine = services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))[0]
    services.handoff_assign(handoff=mine, agent=agent)
    theirs = services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))[0]
    services.handoff_assign(handoff=theirs, agent=other_agent)

    content = login(agent).get(f"/workspace/{bot.bot_id}/").content.decode()

    assert f'data-id="{pending.pk}"' in content
    assert f'data-id="{mine.pk}"' in content
    assert f'data-id="{theirs.pk}"' not in content


def test_state_holds_everything_the_script_needs(login, agent, bot, pending_handoff):
    LabelFactory(bot=bot, name="vip")
    MessageTemplateFactory(bot=bot, name="hi", text="Hello!")

    state = page_state(login(agent).get(f"/workspace/{bot.bot_id}/"))

    assert state["me"]["agentId"] == agent.pk
    assert state["bot"]["templateTrigger"] == ":"
    assert state["labels"] == ["vip"]
    assert state["templates"] == [{"name": "hi", "text": "Hello!", "choices": []}]
    assert [h["id"] for h in state["handoffs"]] == [pending_handoff.pk]
    assert state["handoffs"][0]["userChannel"] == "web"
    assert state["lastEventId"] == Event.objects.latest("id").id
    assert state["apiBase"] == f"/api/v1/bots/{bot.bot_id}/mod/hitlnext/"
    assert state["csrfToken"]


def test_the_page_holds_the_first_page_of_the_queue_and_counts_the_rest(
    login, agent, bot, monkeypatch
):
    monkeypatch.setattr("handoffs.views.state.PAGE_SIZE", 2)
    handoffs = [
        services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))[0]
        for _ in range(3)
    ]
    client = login(agent)

    state = page_state(client.get(f"/workspace/{bot.bot_id}/"))
    rest = client.get(state["handoffsNext"])

    assert [h["id"] for h in state["handoffs"]] == [h.pk for h in handoffs[:2]]
    assert state["counts"] == {"unassigned": 3, "mine": 0, "others": 0}
    assert [h["id"] for h in rest.json()] == [handoffs[2].pk]
    assert "Link" not in rest.headers


def test_selected_handoff_renders_transcript_profile_and_notes(login, agent, bot):
    received = services.message_ingest(
        bot=bot,
        channel="web",
        user_id="ada",
        text="Where is my parcel?",
        variables={"email": "ada@example.com", "fullName": "Ada Lovelace", "city": "London"},
    )
    handoff, _ = services.handoff_request(conversation=received.message.conversation)
    services.note_add(conversation=handoff.conversation, author=agent, text="Called her twice")

    response = login(agent).get(f"/workspace/{bot.bot_id}/?handoff={handoff.pk}")
    content = response.content.decode()

    assert "Where is my parcel?" in content
    assert "msg--incoming" in content and "msg--system" in content
    assert "Called her twice" in content
    profile = content[content.index('id="profile"') :]
    assert profile.index("Ada Lovelace") < profile.index("London") < profile.index("ada@example")
    assert page_state(response)["selectedId"] == handoff.pk


def test_a_closed_handoff_off_the_first_page_can_still_be_opened(login, agent, bot):
    handoff, _ = services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))
    services.handoff_reject(handoff=handoff, actor=None)

    state = page_state(login(agent).get(f"/workspace/{bot.bot_id}/?handoff={handoff.pk}"))

    assert state["selectedId"] == handoff.pk


def test_another_bots_handoff_is_not_selected(login, agent, bot):
    foreign, _ = services.handoff_request(conversation=ConversationFactory())

    state = page_state(login(agent).get(f"/workspace/{bot.bot_id}/?handoff={foreign.pk}"))

    assert state["selectedId"] is None
    assert state["messages"] == []


@pytest.mark.parametrize(("online", "shown"), [(True, True), (False, False)])
def test_assign_button_needs_the_agent_online(login, agent, bot, pending_handoff, online, shown):
    agent.memberships.update(online=online)

    content = login(agent).get(f"/workspace/{bot.bot_id}/?handoff={pending_handoff.pk}")
    button = content.content.decode().split('id="assign-button"')[1].split(">")[0]

    assert ("hidden" not in button) is shown


def test_holder_sees_resolve_and_composer(login, agent, bot, assigned_handoff):
    content = login(agent).get(f"/workspace/{bot.bot_id}/?handoff={assigned_handoff.pk}")
    html = content.content.decode()

    assert "hidden" not in html.split('id="resolve-button"')[1].split(">")[0]
    assert "hidden" not in html.split('id="composer"')[1].split(">")[0]


def test_other_agent_sees_no_resolve_nor_composer(login, other_agent, bot, assigned_handoff):
    content = login(other_agent).get(f"/workspace/{bot.bot_id}/?handoff={assigned_handoff.pk}")
    html = content.content.decode()

    assert "hidden" in html.split('id="resolve-button"')[1].split(">")[0]
    assert "hidden" in html.split('id="composer"')[1].split(">")[0]


def test_old_pending_handoff_is_marked_urgent(login, agent, bot, pending_handoff):
    Handoff.objects.filter(pk=pending_handoff.pk).update(
        created_at=timezone.now() - timedelta(minutes=bot.handoff_alert + 1)
    )

    html = login(agent).get(f"/workspace/{bot.bot_id}/").content.decode()
    item = html.split(f'data-id="{pending_handoff.pk}"')[1].split("</li>")[0]

    assert 'data-slot="urgent">Urgent' in item


def test_fresh_pending_handoff_is_not_urgent(login, agent, bot, pending_handoff):
    html = login(agent).get(f"/workspace/{bot.bot_id}/").content.decode()
    item = html.split(f'data-id="{pending_handoff.pk}"')[1].split("</li>")[0]

    assert 'data-slot="urgent" hidden' in item


@pytest.mark.parametrize("enabled", [True, False])
def test_delete_button_follows_the_bot_setting(login, agent, bot, assigned_handoff, enabled):
    bot.enable_conversation_deletion = enabled
    bot.save()

    html = login(agent).get(f"/workspace/{bot.bot_id}/?handoff={assigned_handoff.pk}")
    button = html.content.decode().split('id="delete-button"')[1].split(">")[0]

    assert ("hidden" not in button) is enabled
