"""Our camelCase conversion must give what djangorestframework-camel-case's `camelize` gives
with the options the API always used (it replaced it for speed)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from djangorestframework_camel_case.util import camelize

from handoffs.representations import to_camel

OPTIONS = {"ignore_fields": ("attributes", "variables", "payload")}

SAMPLE = {
    "id": 1,
    "user_id": "u_1",
    "queue_position": None,
    "agent": {"agent_id": 7, "avatar_url": None, "is_online2": True},
    "labels": [{"label_name": "vip"}, "plain_string", 3],
    "user": {"attributes": {"plan_tier": "gold", "nested_key": {"keep_me": 1}}},
    "variables": {"full_name": "Ada"},
    "payload": {"quick_replies": [{"content_type": "text"}]},
    "user_conversation": {"created_at": "2026-12-01T10:00:00Z", "payload": {"a_b": 1}},
    "_private": 1,
    "trailing_": 2,
    "a__b": 3,
    "x_1": 4,
    "tuple_of": ({"inner_key": 1},),
    gettext_lazy("lazy_key"): gettext_lazy("lazy value"),
    5: "number key",
}


def test_same_as_the_library():
    assert to_camel(SAMPLE) == camelize(SAMPLE, **OPTIONS)


def test_lists_of_rows_and_plain_values():
    rows = [SAMPLE, SAMPLE]
    assert to_camel(rows) == camelize(rows, **OPTIONS)
    assert to_camel("snake_value") == "snake_value"
    assert to_camel(None) is None
