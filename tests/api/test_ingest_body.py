"""The ingest reads a plain body by hand (handoffs/api/views/ingest.py `ingest_body`): for any
body, what it gives or refuses is exactly what MessageIngestInput gives or refuses."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError

from handoffs.api.views.ingest import MessageIngestInput, _plain, channel_check, ingest_body

NAMES = ["user_id", "thread_id", "text", "payload", "external_id", "user", "direction", "other"]
EDGES = [
    "",
    " ",
    " u ",
    "\t\n",
    "x" * 200,
    " " + "x" * 200 + " ",
    "x" * 201,
    "a\x00b",
    "a\ud800b",
    "héllo 😀",
    "incoming",
    "outgoing",
    "Incoming",
    " incoming",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.sampled_from(EDGES),
    st.text(max_size=30),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.text(max_size=5), scalars, max_size=3),
)
bodies = st.dictionaries(st.sampled_from(NAMES), values)


def by_serializer(body):
    serializer = MessageIngestInput(data=body)
    if serializer.is_valid():
        return dict(serializer.validated_data)
    return serializer.errors


def by_ingest(body):
    try:
        return dict(ingest_body(SimpleNamespace(data=body)))
    except ValidationError as error:
        return error.detail


@settings(max_examples=3000, deadline=None)
@given(bodies)
def test_any_body_is_read_as_the_serializer_reads_it(body):
    assert by_ingest(body) == by_serializer(body)


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({"user_id": st.sampled_from(EDGES)}, optional={"text": values}))
def test_bodies_with_a_user_id_are_read_as_the_serializer_reads_them(body):
    assert by_ingest(body) == by_serializer(body)


@pytest.mark.parametrize("body", [None, [], "text", 5, [{"user_id": "u"}]])
def test_a_body_that_is_not_an_object_gets_the_serializers_answer(body):
    assert by_ingest(body) == by_serializer(body)


@pytest.mark.parametrize(
    "body",
    [
        {"user_id": "u-1", "text": "Hello"},
        {"user_id": "u-1", "payload": {"type": "image"}, "direction": "outgoing"},
        {"user_id": " u ", "thread_id": "t", "external_id": None, "user": {"fullName": "Ann"}},
    ],
)
def test_the_usual_bodies_are_read_without_the_serializer(body):
    assert _plain(body) == by_serializer(body)


@pytest.mark.parametrize("channel", ["api", "web", "a-b_C9", "x" * 40, "x" * 41, "a b", "", "é"])
def test_the_channel_is_checked_as_the_serializer_checks_it(channel):
    from handoffs.api.views.ingest import ChannelPathInput

    expected = ChannelPathInput(data={"channel": channel})
    try:
        channel_check(channel)
    except ValidationError as error:
        assert not expected.is_valid()
        assert error.detail == expected.errors
    else:
        assert expected.is_valid()
