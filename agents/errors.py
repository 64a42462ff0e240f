"""The one application error type; the ground layer owns it so every app can raise it."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A refused operation, carrying the HTTP status and machine code the API reports.

    422 unless said otherwise: the request was read, and its content or the state refuses it
    (Botpress's status for validation errors; README "Status codes").
    """

    status_code = 422
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code
        self.extra = extra or {}


class NotFound(ApplicationError):
    status_code = 404
    code = "not_found"


class Forbidden(ApplicationError):
    status_code = 403
    code = "forbidden"


class Conflict(ApplicationError):
    """A one-time thing already done (an invitation accepted, a username taken)."""

    status_code = 409
    code = "conflict"


class Unprocessable(ApplicationError):
    status_code = 422
    code = "unprocessable"


class InvalidTransition(Unprocessable):
    """The handoff's state refuses the action (someone acted first, it is closed): 422, as
    Botpress HITL-next answers an invalid transition (modules/hitlnext/src/backend/api.ts)."""

    code = "invalid_transition"
