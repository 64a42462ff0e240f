"""Validation of a request's body and query string through small per-operation serializers."""

from __future__ import annotations

from typing import Any

from djangorestframework_camel_case.util import underscoreize
from rest_framework import serializers
from rest_framework.request import Request

MAX_ID = 2**63 - 1


def body(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def query(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """Query names are camelCase like the bodies; the parser does not see them, so we do."""
    serializer = serializer_class(data=underscoreize(request.query_params.dict()))
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)
