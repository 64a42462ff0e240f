from typing import Any

from rest_framework.renderers import JSONRenderer

from ..representations import to_camel


class ApiRenderer(JSONRenderer):
    """camelCase out, converted exactly as the event stream's payloads are."""

    def render(self, data: Any, *args: Any, **kwargs: Any) -> bytes:
        return super().render(to_camel(data), *args, **kwargs)
