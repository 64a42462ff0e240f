"""The API tests' clients, for the abuse and fault tests that go through the API."""

from tests.api.conftest import (  # noqa: F401
    admin_client,
    agent_client,
    token_client,
    token_key,
)
