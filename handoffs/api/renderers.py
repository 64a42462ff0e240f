from djangorestframework_camel_case.render import CamelCaseJSONRenderer

from ..representations import CAMELIZE_OPTIONS


class ApiRenderer(CamelCaseJSONRenderer):
    """camelCase out, with the same options the event stream uses."""

    json_underscoreize = CAMELIZE_OPTIONS
