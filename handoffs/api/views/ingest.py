"""Inbound traffic from a bot platform: the user's messages and the bot's own replies."""

from __future__ import annotations

import re
from typing import Any, cast

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from agents import limits

from ... import services
from ...models import Message
from ...representations import MessageRepresentation
from .. import inputs
from ..access import BotApiView
from ..schema import TOKEN_MAY, errors, path_string

CHANNEL_PATTERN = r"^[-a-zA-Z0-9_]+$"


class ChannelPathInput(serializers.Serializer):
    channel = serializers.RegexField(CHANNEL_PATTERN, max_length=40)


class MessageIngestInput(serializers.Serializer):
    user_id = serializers.CharField(max_length=200, help_text="The end user's id on the platform.")
    thread_id = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    text = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text="At most 10,000 characters (413 beyond). `text` or `payload` is needed.",
    )
    payload = serializers.DictField(required=False, help_text="Rich content; keys kept as sent.")
    external_id = serializers.CharField(
        max_length=200,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="The platform's message id: a retry with the same one stores nothing twice.",
    )
    user = serializers.DictField(
        required=False, help_text="Variables merged into the user's profile; keys kept as sent."
    )
    direction = serializers.ChoiceField(
        choices=[Message.Direction.INCOMING.value, Message.Direction.OUTGOING.value],
        default=Message.Direction.INCOMING.value,
        help_text="`incoming` from the user, `outgoing` for the bot's own reply.",
    )


# MessageIngestInput's rules for a body of plain, valid strings and objects. Binding the
# serializer's seven fields cost more than the rest of the validation (bench/README.md, "Ingest
# against the bare view"), on every message. Any other body goes through the serializer, so its
# answers and error messages are DRF's own; tests/api/test_ingest_body.py holds the two equal.
# The ids, trimmed as CharField trims them: whether one may be blank.
_IDS = {"user_id": False, "thread_id": True, "external_id": True}
_DICTS = ("payload", "user")
_DIRECTIONS = frozenset(
    cast(serializers.ChoiceField, MessageIngestInput().fields["direction"]).choices
)
# CharField's validators refuse a null character and a lone surrogate.
_REFUSED_CHARACTERS = re.compile(r"[\x00\ud800-\udfff]")
_CHANNEL = re.compile(CHANNEL_PATTERN)


def ingest_body(request: Request) -> dict[str, Any]:
    data = request.data
    plain = _plain(data) if type(data) is dict else None
    return plain if plain is not None else inputs.body(MessageIngestInput, request)


def _plain(data: dict[str, Any]) -> dict[str, Any] | None:
    """The serializer's validated data, or None where it could differ: a missing user id, a
    number for a string, a blank or long id, a null character, a surrogate, a null."""
    body: dict[str, Any] = {"thread_id": "", "text": "", "direction": "incoming"}
    for name, blank in _IDS.items():
        if name not in data:
            continue
        value = data[name]
        if value is None and name == "external_id":
            body[name] = None
            continue
        if type(value) is not str:
            return None
        value = value.strip()
        if len(value) > 200 or (not value and not blank) or _REFUSED_CHARACTERS.search(value):
            return None
        body[name] = value
    if "user_id" not in body:
        return None
    text = data.get("text", "")
    if type(text) is not str or _REFUSED_CHARACTERS.search(text):
        return None
    body["text"] = text
    for name in _DICTS:
        if name in data:
            if type(data[name]) is not dict:
                return None
            body[name] = {str(key): value for key, value in data[name].items()}
    direction = data.get("direction", "incoming")
    if type(direction) is not str or direction not in _DIRECTIONS:
        return None
    body["direction"] = direction
    return body


def channel_check(channel: str) -> None:
    if len(channel) > 40 or not _CHANNEL.fullmatch(channel):
        ChannelPathInput(data={"channel": channel}).is_valid(raise_exception=True)


class IngestResultRepresentation(serializers.Serializer):
    routed_to = serializers.ChoiceField(
        choices=["agent", "bot"],
        help_text="`agent` when the conversation is paused: the bot must stay silent.",
    )
    created = serializers.BooleanField(help_text="False for a replay of a known `externalId`.")
    message = MessageRepresentation()


class MessageIngestApi(BotApiView):
    @extend_schema(
        operation_id="messageIngest",
        tags=["channels"],
        summary="A message from a bot platform",
        description="`<channel>` is the end user's channel (`api` for bots on other platforms). "
        "The user and conversation are created if new. 201 when stored, 200 for a replay of "
        f"the same `externalId` (the first message is returned). {TOKEN_MAY}",
        parameters=[path_string("channel", max_length=40, pattern=CHANNEL_PATTERN)],
        request=MessageIngestInput,
        responses={
            201: OpenApiResponse(IngestResultRepresentation, description="Stored."),
            200: OpenApiResponse(IngestResultRepresentation, description="A replay."),
            **errors(413, 429),
        },
    )
    def post(self, request: Request, bot_id: str, channel: str) -> Response:
        channel_check(channel)
        if self.caller.token is not None:
            limits.check("token_message", self.caller.token.pk, "Too many messages for this token.")
        data = ingest_body(request)
        received = services.message_ingest(
            bot=self.bot,
            channel=channel,
            user_id=data["user_id"],
            direction=data["direction"],
            text=data["text"],
            payload=data.get("payload"),
            thread_id=data["thread_id"],
            external_id=data.get("external_id") or None,
            variables=data.get("user"),
        )
        # Shaped as IngestResultRepresentation, reusing the message as the event carried it.
        result = {
            "routedTo": received.routed_to,
            "created": received.created,
            "message": received.representation,
        }
        return Response(
            result, status=status.HTTP_201_CREATED if received.created else status.HTTP_200_OK
        )
