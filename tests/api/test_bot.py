"""The bot's settings for agents, and the availability a bot asks before handing off."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handoffs import services
from tests.factories import ConversationFactory, LabelFactory, MessageTemplateFactory

from .conftest import api_url

pytestmark = pytest.mark.django_db


def test_config_has_what_agents_need(token_client, bot):
    bot.handoff_timeout = timedelta(minutes=30)
    bot.bot_webhook_secret = "s3cret"
    bot.save()
    LabelFactory(bot=bot, name="vip", color="gold")
    MessageTemplateFactory(bot=bot, name="hi", text="Hello!")

    response = token_client.get(api_url(bot, "mod/hitlnext/config"))

    config = response.json()
    assert response.status_code == 200
    assert config["templateTrigger"] == ":"
    assert config["handoffTimeout"] == 1800
    assert config["agentSessionTimeout"] == 600
    assert config["labels"] == [{"name": "vip", "color": "gold"}]
    assert config["tags"] == ["vip"]
    assert config["autoComplete"] == {
        "trigger": ":",
        "shortcuts": [{"name": "hi", "value": "Hello!"}],
    }
    assert config["transferMessage"]["en"] == "You are being transferred to an agent."
    assert "s3cret" not in response.content.decode()


def test_availability_counts_online_agents_and_the_queue(token_client, bot, agent, admin):
    for _ in range(2):
        services.handoff_request(conversation=ConversationFactory(end_user__bot=bot))

    response = token_client.get(api_url(bot, "mod/hitlnext/availability"))

    assert response.json() == {
        "available": True,
        "onlineAgents": 1,
        "queueLength": 2,
        # Without business hours the bot is always open (issue 23).
        "open": True,
        "nextOpening": None,
    }


def test_nobody_online_is_unavailable(token_client, bot, admin):
    response = token_client.get(api_url(bot, "mod/hitlnext/availability"))

    assert response.json()["available"] is False
