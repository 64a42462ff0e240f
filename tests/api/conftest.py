"""Clients for the API tests: a bot's token, an agent's and an admin's session, nobody."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from agents.services import api_token_create
from handoffs.models import Bot
from tests.factories import BotFactory


def api_url(bot: Bot | str, path: str) -> str:
    bot_id = bot if isinstance(bot, str) else bot.bot_id
    return f"/api/v1/bots/{bot_id}/{path}"


@pytest.fixture
def token_key(workspace) -> str:
    _, key = api_token_create(workspace=workspace, name="tests")
    return key


@pytest.fixture
def token_client(token_key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_key}")
    return client


@pytest.fixture
def agent_client(agent) -> APIClient:
    client = APIClient()
    client.force_login(agent)
    return client


@pytest.fixture
def other_agent_client(other_agent) -> APIClient:
    client = APIClient()
    client.force_login(other_agent)
    return client


@pytest.fixture
def admin_client(admin) -> APIClient:
    client = APIClient()
    client.force_login(admin)
    return client


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


@pytest.fixture
def foreign_bot() -> Bot:
    """A bot of another workspace: the callers above must not learn it exists."""
    return BotFactory()
