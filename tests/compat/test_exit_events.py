"""The exit event a bot hears when its handoff ends, in Botpress's semantics or hitl's (the bot
connector's `exit_events`). Botpress: modules/hitlnext/src/backend/api.ts (reject calls
service.resolveHandoff, which sends `handoffResolved`), service.ts createHandoff
(`timedOutWaitingAgent`), and modules/hitlnext/src/actions/check_agents.js, the only source of
`noAgent` (nobody online)."""

from __future__ import annotations

import json

import pytest

from channels_adapters import services as adapter_services
from channels_adapters.models import ConnectorSettings
from handoffs import services
from tests.deliveries import deliver_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def bot_with_webhook(bot, httpserver):
    bot.bot_webhook_url = httpserver.url_for("/bot")
    bot.save()
    httpserver.expect_request("/bot", method="POST").respond_with_data("ok")
    return bot


def semantics(bot, value: str) -> None:
    ConnectorSettings.objects.update_or_create(bot=bot, defaults={"exit_events": value})


def exit_types(httpserver) -> list[str]:
    deliver_due()
    bodies = [json.loads(request.get_data()) for request, _ in httpserver.log]
    return [body["exitType"] for body in bodies if body["type"] == "exit"]


def reject_an_open_handoff(bot, capture) -> None:
    conversation = adapter_services.inbound_receive(
        bot=bot, channel="web", user_id="u1", text="a human please"
    ).message.conversation
    with capture(execute=True):
        handoff, _ = services.handoff_request(conversation=conversation)
        services.handoff_reject(handoff=handoff, actor=None)


def refuse_for_want_of_agents(bot, capture) -> None:
    conversation = adapter_services.inbound_receive(
        bot=bot, channel="web", user_id="u2", text="a human please"
    ).message.conversation
    with capture(execute=True):
        services.handoff_request(conversation=conversation, require_agent=True)


def test_botpress_semantics_a_rejected_handoff_is_resolved(
    bot_with_webhook, httpserver, django_capture_on_commit_callbacks
):
    semantics(bot_with_webhook, "botpress")

    reject_an_open_handoff(bot_with_webhook, django_capture_on_commit_callbacks)

    assert exit_types(httpserver) == ["handoffResolved"]


def test_botpress_semantics_no_agent_online_is_no_agent(
    bot_with_webhook, httpserver, django_capture_on_commit_callbacks
):
    semantics(bot_with_webhook, "botpress")

    refuse_for_want_of_agents(bot_with_webhook, django_capture_on_commit_callbacks)

    assert exit_types(httpserver) == ["noAgent"]


@pytest.mark.parametrize("configured", [True, False])
def test_hitl_semantics_a_rejected_handoff_is_no_agent(
    configured, bot_with_webhook, httpserver, django_capture_on_commit_callbacks
):
    if configured:
        semantics(bot_with_webhook, "hitl")

    reject_an_open_handoff(bot_with_webhook, django_capture_on_commit_callbacks)
    refuse_for_want_of_agents(bot_with_webhook, django_capture_on_commit_callbacks)

    assert exit_types(httpserver) == ["noAgent", "noAgent"]
