"""One exception handler: every error body is Botpress's `{statusCode, code, message, errors}`.

Status codes, one convention for the whole API (README "Status codes"): 400 a body that is not
JSON; 422 a request read but refused, for its content or for the state it meets.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from agents.errors import ApplicationError
from agents.limits import RateLimited

from ..representations import camel_key

logger = logging.getLogger(__name__)


def error_body(status_code: int, code: str, message: str, errors: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"statusCode": status_code, "code": code, "message": message}
    if errors:
        body["errors"] = errors
    return body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        body = error_body(exc.status_code, exc.code, exc.message)
        body.update(exc.extra)
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        return Response(body, status=exc.status_code, headers=headers)
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The database went away mid-request (a restart, a failover): the transaction rolled
        # back, nothing was stored, and the client may retry.
        logger.warning("database unavailable: %s", exc)
        body = error_body(503, "service_unavailable", "The database is unavailable; try again.")
        return Response(body, status=503, headers={"Retry-After": "1"})
    if isinstance(exc, RequestDataTooBig):
        # Django would answer with its HTML 400 page; clients need the error body.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        message = f"The request body is larger than {limit} bytes."
        return Response(error_body(413, "body_too_large", message), status=413)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        # Botpress answers a body it read but refused with 422 (its Joi errors); DRF's 400 stays
        # for a body that is not JSON at all.
        response.status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
        errors = exc.detail if isinstance(exc.detail, dict) else {"nonFieldErrors": exc.detail}
        response.data = error_body(response.status_code, "invalid", _first_message(errors), errors)
    else:
        detail = getattr(exc, "detail", str(exc))
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = error_body(response.status_code, str(code), str(detail))
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _first_message(errors: Any) -> str:
    if isinstance(errors, dict):
        for field, value in errors.items():
            # The body's keys are camelCase, so the message names the field as the client does.
            name = camel_key(str(field))
            return f"{name}: {_first_message(value)}"
    if isinstance(errors, list) and errors:
        return _first_message(errors[0])
    return str(errors) or "Invalid input."


@csrf_exempt
def unknown_path(request: HttpRequest, **kwargs: Any) -> JsonResponse:
    """A path under the API that matches no endpoint (e.g. a negative id)."""
    return JsonResponse(error_body(404, "not_found", "No such API path."), status=404)
