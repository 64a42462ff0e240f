"""The one rule on what a message, a note or a profile may hold, whatever way it comes in (the
API, the web chat, Messenger, an agent): sizes that the event stream, the workspace page and
the bot can carry. 413 beyond."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from agents.errors import ApplicationError


def _too_large(what: str, limit: int, code: str) -> ApplicationError:
    return ApplicationError(f"{what} is larger than {limit} bytes.", code=code, status_code=413)


def _encoded_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode())


def check_text(text: Any) -> str:
    if not isinstance(text, str):
        raise ApplicationError("text must be a string.", code="invalid_text")
    limit = settings.HITL["MAX_TEXT_LENGTH"]
    if len(text) > limit:
        raise ApplicationError(
            f"Text is longer than {limit} characters.", code="text_too_long", status_code=413
        )
    return text


def check_payload(payload: Any) -> dict[str, Any] | None:
    if payload is None:
        return None
    if not isinstance(payload, dict):
        raise ApplicationError("payload must be a JSON object.", code="invalid_payload")
    limit = settings.HITL["MAX_PAYLOAD_BYTES"]
    if _encoded_size(payload) > limit:
        raise _too_large("payload", limit, "payload_too_large")
    return payload


def check_variables(variables: Any) -> dict[str, Any]:
    """A profile's variables as they will be stored (after the merge)."""
    if not isinstance(variables, dict):
        raise ApplicationError("Variables must be a JSON object.", code="invalid_variables")
    limit = settings.HITL["MAX_VARIABLES_BYTES"]
    if _encoded_size(variables) > limit:
        raise _too_large("The user's variables", limit, "variables_too_large")
    return variables
