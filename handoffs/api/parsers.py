"""JSON in: camelCase keys to snake_case, and only values the database can store."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from djangorestframework_camel_case.settings import api_settings
from djangorestframework_camel_case.util import underscoreize
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from agents.json_input import loads_safely


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _storable(value: Any) -> bool:
    """PostgreSQL refuses NUL in text and jsonb, and UTF-8 has no lone surrogates."""
    if isinstance(value, str):
        return "\x00" not in value and not any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(v) for v in value)
    return True


class ApiJSONParser(JSONParser):
    """A malformed, too deeply nested or unstorable body is a 400 with the error body, never a
    500."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = loads_safely(stream.read().decode(encoding), parse_constant=_refuse_constant)
            if not _storable(data):
                raise ParseError("JSON strings may not contain NUL characters or lone surrogates.")
            return underscoreize(data, **api_settings.JSON_UNDERSCOREIZE)
        except ValueError as error:  # also UnicodeDecodeError
            raise ParseError(f"JSON parse error - {error}") from error
