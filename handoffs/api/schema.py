"""OpenAPI pieces every view shares: the one error body and the errors each status means."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every 4xx body; `message` and `statusCode` are Botpress's keys."""

    status_code = serializers.IntegerField()
    code = serializers.CharField(help_text="Machine-readable, e.g. `handoff_assigned`.")
    message = serializers.CharField()
    # DRF's metaclass takes declared fields out of the class, so this does not replace
    # Serializer.errors; the stubs cannot know.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.JSONField(), required=False, help_text="Per field, on 422."
    )
    status = serializers.CharField(
        required=False, help_text="On a refused transition: the handoff's status now."
    )
    agent_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="On a refused transition: who holds the handoff now.",
    )


MEANINGS = {
    400: "The body is not JSON.",
    401: "No credentials, or an invalid or revoked token.",
    403: "Not allowed: `agent_required` when an API token calls an action that needs a person, "
    "or the agent may not act on this handoff (`not_assigned_agent`).",
    404: "Unknown bot (or a bot of another workspace), or an id not of this bot.",
    413: "Text longer than 10,000 characters, a payload or user variables over 16 KB, or a body "
    "over the upload limit (2.5 MB).",
    415: "A file of a type that cannot be sent, or whose content is not what its name or type "
    "says.",
    429: 'Past a rate limit (README "Security"): `Retry-After` and `retryAfter` say how many '
    "seconds to wait.",
    422: "Refused: a missing field, a wrong type or value; or the state refuses the action, as "
    "Botpress answers: the transition no longer applies (someone acted first; the body has the "
    "handoff's `status` and `agentId` now), or the agent must be online (`You must be online to "
    "perform this action`).",
}

COMMON = (400, 401, 403, 404, 422)


def errors(*extra: int) -> dict[int, OpenApiResponse]:
    """Error responses of an operation: the common ones plus `extra`."""
    return {
        status: OpenApiResponse(ErrorSerializer, description=MEANINGS[status])
        for status in sorted({*COMMON, *extra})
    }


TOKEN_MAY = "An API token may call this."
AGENT_ONLY = "Needs an agent's session: an API token gets 403 `agent_required`."


def path_string(name: str, *, max_length: int, pattern: str | None = None) -> OpenApiParameter:
    """A path segment with the limits the view enforces, so the docs and clients know them."""
    schema = {"type": "string", "minLength": 1, "maxLength": max_length}
    if pattern:
        schema["pattern"] = pattern
    return OpenApiParameter(name, schema, OpenApiParameter.PATH)


USER_ID = path_string("userId", max_length=200)


def page_parameters(*, max_limit: int, default_limit: int) -> list[OpenApiParameter]:
    """`cursor` and `limit` in, the next page's `Link` header out: every cursor-paged list."""
    return [
        OpenApiParameter("cursor", str, description="From the previous page's `Link`."),
        OpenApiParameter("limit", int, description=f"1 to {max_limit}, {default_limit}."),
        OpenApiParameter(
            "Link",
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            response=[200],
            description='`<url>; rel="next"` when there are more.',
        ),
    ]
