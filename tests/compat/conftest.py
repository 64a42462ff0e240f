"""The API tests' clients, for the Botpress contract tests."""

from tests.api.conftest import (  # noqa: F401
    admin_client,
    agent_client,
    anon_client,
    foreign_bot,
    other_agent_client,
    token_client,
    token_key,
)
