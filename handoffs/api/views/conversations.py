"""A conversation's transcript and notes: read them, write to the user, add a note."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ... import services
from ...representations import (
    MessageItemRepresentation,
    MessageRepresentation,
    NoteRepresentation,
)
from ...selectors import (
    conversation_by_id_or_thread,
    conversation_get,
    message_list,
    note_list,
)
from .. import inputs
from ..access import BotApiView
from ..schema import AGENT_ONLY, TOKEN_MAY, errors

MAX_HISTORY = 500


class MessageListQuery(serializers.Serializer):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_HISTORY)
    # Botpress orders its events by creation whatever the column (repository.ts, listMessages);
    # so do we, by id, which follows creation.
    column = serializers.ChoiceField(required=False, choices=["id", "createdOn", "createdAt"])
    desc = serializers.BooleanField(required=False)
    before = inputs.id_field(required=False)
    after = inputs.id_field(required=False)


class MessageSendInput(serializers.Serializer):
    text = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )
    payload = serializers.DictField(
        required=False, help_text="Rich content (its `type`: image, card...); keys kept as sent."
    )


class NoteAddInput(serializers.Serializer):
    content = serializers.CharField(help_text="At most 10,000 characters (413 beyond).")


class ConversationMessagesApi(BotApiView):
    @extend_schema(
        operation_id="conversationMessages",
        tags=["conversations"],
        summary="A conversation's last messages",
        description="User, bot, agent and system messages, each also in Botpress's stored-event "
        "shape. `<id>` is the conversation's id, or its thread id (a handoff's `userThreadId`, "
        "as HITL-next's UI passes it): a number that is the id of one of the bot's "
        "conversations names that conversation, anything else a thread. Without `desc`: the "
        "last `limit` messages, newest last; with `desc=true` the newest first, `desc=false` "
        "the oldest first, as Botpress orders them. `limit` defaults to the bot's "
        f"`messageCount`. {TOKEN_MAY}",
        parameters=[
            OpenApiParameter(
                "conversation",
                {"type": "string", "minLength": 1, "maxLength": 200},
                OpenApiParameter.PATH,
            ),
            OpenApiParameter("limit", int, description=f"1 to {MAX_HISTORY}."),
            OpenApiParameter(
                "column", str, enum=["id", "createdOn", "createdAt"], description="By creation."
            ),
            OpenApiParameter("desc", bool, description="Newest first."),
            OpenApiParameter(
                "before",
                int,
                description="A message id: the `limit` messages before it (older pages, newest "
                "last).",
            ),
            OpenApiParameter(
                "after",
                int,
                description="A message id: the `limit` messages after it, oldest first.",
            ),
        ],
        responses={200: MessageItemRepresentation(many=True), **errors()},
    )
    def get(self, request: Request, bot_id: str, conversation: str) -> Response:
        found = conversation_by_id_or_thread(bot=self.bot, id_or_thread=conversation)
        params = inputs.query(MessageListQuery, request)
        messages = message_list(
            conversation=found,
            limit=params.get("limit", self.bot.message_count),
            descending=params.get("desc", True if "column" in params else None),
            before=params.get("before"),
            after=params.get("after"),
        )
        return Response(MessageItemRepresentation(messages, many=True).data)

    @extend_schema(
        operation_id="conversationSendMessage",
        tags=["conversations"],
        summary="Write to the user as the calling agent",
        description="`text` or `payload` or both. Only the agent assigned to the open handoff, an "
        "admin, or any agent while the conversation is paused without a handoff. Delivered "
        "through the conversation's channel. On WhatsApp, 24 hours after the user's last "
        'message only a template goes (`payload: {"type": "template", "template": '
        '"<name>"}`, a name of the bot\'s); anything else is refused with 422 '
        f"`whatsapp_window_closed`. {AGENT_ONLY}",
        request=MessageSendInput,
        responses={
            201: OpenApiResponse(MessageRepresentation, description="Sent."),
            **errors(413),
        },
    )
    def post(self, request: Request, bot_id: str, conversation: str) -> Response:
        found = conversation_by_id_or_thread(bot=self.bot, id_or_thread=conversation)
        agent = self.agent()
        data = inputs.body(MessageSendInput, request)
        message = services.message_send_agent(
            conversation=found, agent=agent, text=data["text"], payload=data.get("payload")
        )
        return Response(MessageRepresentation(message).data, status=status.HTTP_201_CREATED)


class ConversationNotesApi(BotApiView):
    @extend_schema(
        operation_id="conversationNotes",
        tags=["conversations"],
        summary="A conversation's notes",
        description=f"The same notes as the handoffs' comments, oldest first. {TOKEN_MAY}",
        responses={200: NoteRepresentation(many=True), **errors()},
    )
    def get(self, request: Request, bot_id: str, conversation_id: int) -> Response:
        conversation = conversation_get(bot=self.bot, conversation_id=conversation_id)
        return Response(NoteRepresentation(note_list(conversation=conversation), many=True).data)

    @extend_schema(
        operation_id="conversationAddNote",
        tags=["conversations"],
        summary="Add a note",
        description="Linked to the conversation's latest handoff, and shown with every later "
        f"handoff of the user. {AGENT_ONLY}",
        request=NoteAddInput,
        responses={201: OpenApiResponse(NoteRepresentation, description="Added."), **errors(413)},
    )
    def post(self, request: Request, bot_id: str, conversation_id: int) -> Response:
        conversation = conversation_get(bot=self.bot, conversation_id=conversation_id)
        author = self.agent()
        data = inputs.body(NoteAddInput, request)
        note = services.note_add(conversation=conversation, author=author, text=data["content"])
        return Response(NoteRepresentation(note).data, status=status.HTTP_201_CREATED)
