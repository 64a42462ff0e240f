from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from agents.models import ApiToken, Membership
from agents.services import api_token_authenticate
from handoffs.models import Bot, Conversation, EndUser, Event, Handoff, Label, MessageTemplate

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Bot,
            EndUser,
            Conversation,
            Handoff,
            Label,
            MessageTemplate,
            Membership,
            Event,
        )
    }


def test_seed_demo_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    first = snapshot()

    call_command("seed_demo", stdout=StringIO())

    assert snapshot() == first
    assert first["Handoff"] == 1
    assert Handoff.objects.get().status == "pending"
    assert set(Label.objects.values_list("name", flat=True)) == {"shipping", "warranty"}
    assert set(MessageTemplate.objects.values_list("name", flat=True)) == {"hi", "bye"}


def test_seed_demo_logs_in_admin_and_agent(settings, client):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())

    assert client.login(username="admin", password="admin")
    assert client.get("/admin/handoffs/handoff/").status_code == 200
    assert client.login(username="agent", password="agent")


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())


def test_create_api_token_prints_a_key_that_authenticates(workspace):
    out = StringIO()
    call_command(
        "create_api_token", workspace=workspace.slug, name="crm", stdout=out, stderr=StringIO()
    )

    key = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert key not in token.hashed_key
    assert api_token_authenticate(key=key) == token
    assert api_token_authenticate(key=key + "x") is None


def test_create_api_token_for_an_unknown_workspace_fails():
    with pytest.raises(CommandError):
        call_command("create_api_token", workspace="nope", stdout=StringIO())
