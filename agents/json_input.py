"""JSON from outside (request bodies, socket frames, webhooks, admin forms), with bounded depth.

Python's parser raises RecursionError on deep nesting (a 60 KB body of `[` is enough), and what
it does take still has to survive every recursive walk after it (key renaming, storage, events).
One decoder for every way in, in the bottom layer so that `handoffs` and `channels_adapters`
both use it.
"""

from __future__ import annotations

import json
from typing import Any

# Real payloads (Botpress cards and carousels, Messenger webhooks) nest under 10 levels.
MAX_JSON_DEPTH = 64


class JSONInputError(ValueError):
    """The input is not JSON, or nests deeper than MAX_JSON_DEPTH."""


class BoundedJSONDecoder(json.JSONDecoder):
    """A decoder that refuses nesting deeper than MAX_JSON_DEPTH with a JSONDecodeError, as it
    refuses any malformed input (so `forms.JSONField(decoder=...)` shows a form error)."""

    def decode(self, s: str, *args: Any, **kwargs: Any) -> Any:
        try:
            data = super().decode(s, *args, **kwargs)
        except RecursionError:
            data = None
        else:
            if not _deeper_than(data, MAX_JSON_DEPTH):
                return data
        raise json.JSONDecodeError(f"nested deeper than {MAX_JSON_DEPTH} levels", s, 0)


def loads_safely(raw: str | bytes, **kwargs: Any) -> Any:
    """`json.loads` that raises JSONInputError for malformed or too deeply nested JSON."""
    try:
        return json.loads(raw, cls=BoundedJSONDecoder, **kwargs)
    except ValueError as error:  # also UnicodeDecodeError
        raise JSONInputError(str(error)) from error


def _deeper_than(value: Any, limit: int) -> bool:
    # A loop, not a recursion: the check must not fail the way it guards against.
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
