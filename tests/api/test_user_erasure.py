"""`DELETE mod/hitlnext/users/<userId>`: a privacy request erases one end user everywhere."""

from __future__ import annotations

import json

import pytest

from handoffs import services
from handoffs.models import Conversation, Delivery, EndUser, Event, WebhookEndpoint
from handoffs.realtime.selectors import envelopes_of, visible_events_after
from tests.factories import EndUserFactory

from .conftest import api_url

pytestmark = pytest.mark.django_db

SECRET = "my card number is 4242"


def user_url(bot, user_id: str, query: str = "") -> str:
    return api_url(bot, f"mod/hitlnext/users/{user_id}{query}")


def talk(bot, user_id: str, text: str, channel: str = "web") -> Conversation:
    services.message_ingest(bot=bot, channel=channel, user_id=user_id, text=text)
    return Conversation.objects.get(bot=bot, channel=channel, end_user__external_id=user_id)


@pytest.fixture
def endpoint(workspace):
    return WebhookEndpoint.objects.create(workspace=workspace, url="https://crm.example.com/")


@pytest.fixture
def ada(bot, agent, endpoint):
    """A user with all hitl holds of a person: profile, messages, a handoff, a note, the
    agents' notifications, and events waiting for the webhook."""
    conversation = talk(bot, "ada", SECRET)
    services.end_user_update_variables(
        end_user=conversation.end_user, variables={"email": "ada@example.com"}
    )
    handoff, _ = services.handoff_request(conversation=conversation)
    services.handoff_assign(handoff=handoff, agent=agent)
    services.note_add(conversation=conversation, author=agent, text="Ada's card problem")
    return conversation.end_user


def replayed(workspace, agent) -> str:
    """Everything a socket reconnecting with `?after=0` would get, as JSON text."""
    rows = visible_events_after(workspace_ids=[workspace.pk], user_ids=[agent.pk], after=0)
    return json.dumps(envelopes_of(ids=[row[0] for row in rows]))


def test_a_token_erases_the_user(token_client, bot, ada):
    conversation = ada.conversations.get()

    response = token_client.delete(user_url(bot, "ada"))

    assert response.status_code == 204
    assert not EndUser.objects.filter(pk=ada.pk).exists()
    assert token_client.get(user_url(bot, "ada")).status_code == 404
    messages = api_url(bot, f"mod/hitlnext/conversations/{conversation.pk}/messages")
    assert token_client.get(messages).status_code == 404


def test_the_users_data_leaves_the_event_replay(token_client, bot, workspace, agent, ada):
    assert SECRET in replayed(workspace, agent)

    token_client.delete(user_url(bot, "ada"))

    text = replayed(workspace, agent)
    assert SECRET not in text
    assert "ada@example.com" not in text
    assert "Ada's card problem" not in text
    assert "user.erased" in text


def test_webhooks_are_told_to_erase_and_nothing_more_of_the_user_goes_out(
    token_client, bot, ada, endpoint
):
    token_client.delete(user_url(bot, "ada"))

    pending = Delivery.objects.filter(endpoint=endpoint, status="pending")
    types = list(pending.order_by("event_id").values_list("event__type", flat=True))
    assert types[-1] == "user.erased"
    assert set(types) <= {"conversation.deleted", "user.erased"}
    erased = Event.objects.get(type="user.erased")
    assert erased.resource == "user"
    assert erased.payload == {"id": "ada", "userId": "ada", "channel": "web"}


def test_other_users_are_untouched(token_client, bot, workspace, agent, ada):
    talk(bot, "bob", "bob's question")

    token_client.delete(user_url(bot, "ada"))

    assert EndUser.objects.filter(bot=bot, external_id="bob").exists()
    assert "bob's question" in replayed(workspace, agent)


def test_an_admin_erases_the_user(admin_client, bot, ada):
    assert admin_client.delete(user_url(bot, "ada")).status_code == 204
    assert not EndUser.objects.filter(pk=ada.pk).exists()


def test_an_agent_gets_403(agent_client, bot, ada):
    response = agent_client.delete(user_url(bot, "ada"))

    assert (response.status_code, response.json()["code"]) == (403, "admin_required")
    assert EndUser.objects.filter(pk=ada.pk).exists()


def test_anonymous_gets_401(anon_client, bot, ada):
    assert anon_client.delete(user_url(bot, "ada")).status_code == 401


def test_an_unknown_user_is_404(token_client, bot):
    response = token_client.delete(user_url(bot, "nobody"))

    assert (response.status_code, response.json()["code"]) == (404, "user_not_found")


def test_a_second_erasure_is_404(token_client, bot, ada):
    token_client.delete(user_url(bot, "ada"))

    assert token_client.delete(user_url(bot, "ada")).status_code == 404


def test_another_workspaces_bot_is_404(token_client, foreign_bot):
    EndUserFactory(bot=foreign_bot, external_id="ada")

    response = token_client.delete(user_url(foreign_bot, "ada"))

    assert (response.status_code, response.json()["code"]) == (404, "bot_not_found")
    assert EndUser.objects.filter(bot=foreign_bot, external_id="ada").exists()


def test_another_workspaces_user_is_404(token_client, bot, foreign_bot):
    EndUserFactory(bot=foreign_bot, external_id="ada")

    assert token_client.delete(user_url(bot, "ada")).status_code == 404
    assert EndUser.objects.filter(bot=foreign_bot, external_id="ada").exists()


def test_the_channel_chooses_between_two_users_of_one_id(token_client, bot, workspace, agent):
    talk(bot, "ada", "on the web")
    talk(bot, "ada", "on messenger", channel="messenger")

    ambiguous = token_client.delete(user_url(bot, "ada"))
    chosen = token_client.delete(user_url(bot, "ada", "?channel=messenger"))

    assert (ambiguous.status_code, ambiguous.json()["code"]) == (422, "ambiguous_user")
    assert chosen.status_code == 204
    assert list(EndUser.objects.values_list("channel", flat=True)) == ["web"]
    assert "on the web" in replayed(workspace, agent)
    assert "on messenger" not in replayed(workspace, agent)
