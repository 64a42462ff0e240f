"""The OpenAPI schema is served, and the API keeps to it under generated input (schemathesis)."""

from __future__ import annotations

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hitl_project.wsgi import application

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
# Per operation, mode and caller: ~26 operations x 2 x 2 stay well under a minute.
EXAMPLES = 5
CSRF_SECRET = "k" * 32


def test_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/?format=json")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert "/api/v1/bots/{botId}/mod/hitlnext/handoffs" in schema.json()["paths"]
    assert docs.status_code == 200


def _session_headers(user) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    # An unmasked secret is a valid CSRF token when cookie and header carry the same one.
    return {"Cookie": f"sessionid={session}; csrftoken={CSRF_SECRET}", "X-CSRFToken": CSRF_SECRET}


def _point_at_real_objects(case, ids: dict[str, int]) -> None:
    """Half the generated ids hit real objects, so success paths are exercised too."""
    for name, real in ids.items():
        value = case.path_parameters.get(name)
        if isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = real


def _modes(operation) -> list[GenerationMode]:
    """Negative cases need some input to break besides the bot id, which is always the real one."""
    inputs = [*operation.body, *operation.query]
    inputs += [p for p in operation.path_parameters if p.name != "botId"]
    if inputs:
        return [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    return [GenerationMode.POSITIVE]


def _run(operation, mode: GenerationMode, headers: dict, bot_id: str, ids: dict) -> None:
    strategy = operation.as_strategy(
        generation_mode=mode, path_parameters={"botId": bot_id}, headers=headers
    )

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case) -> None:
        _point_at_real_objects(case, ids)
        response = case.call()
        case.validate_response(response, checks=CHECKS)

    check()


# Transactional: the WSGI handler closes the connection after each request, as in production.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("caller", ["agent", "token"])
def test_api_conforms_to_its_schema(caller, bot, agent, token_key, conversation):
    from handoffs import services

    handoff, _ = services.handoff_request(conversation=conversation)
    if caller == "token":
        headers = {"Authorization": f"Bearer {token_key}"}
    else:
        headers = _session_headers(agent)
    ids = {"handoffId": handoff.pk, "conversationId": conversation.pk}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in _modes(operation):
            try:
                _run(operation, mode, headers, bot.bot_id, ids)
            except Exception as error:
                failures.append(f"{operation.label} [{mode.value}]: {error}")

    assert not failures, "\n\n".join(failures)
