"""A conversation's transcript and notes: read them, write to the user, add a note."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ... import services
from ...representations import MessageRepresentation, NoteRepresentation
from ...selectors import conversation_get, message_list, note_list
from .. import inputs
from ..access import BotApiView
from ..schema import AGENT_ONLY, TOKEN_MAY, errors

MAX_HISTORY = 500


class MessageListQuery(serializers.Serializer):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_HISTORY)


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
        description="User, bot, agent and system messages, newest last; `limit` defaults to the "
        f"bot's `messageCount`. {TOKEN_MAY}",
        parameters=[OpenApiParameter("limit", int, description=f"1 to {MAX_HISTORY}.")],
        responses={200: MessageRepresentation(many=True), **errors()},
    )
    def get(self, request: Request, bot_id: str, conversation_id: int) -> Response:
        conversation = conversation_get(bot=self.bot, conversation_id=conversation_id)
        limit = inputs.query(MessageListQuery, request).get("limit", self.bot.message_count)
        messages = message_list(conversation=conversation, limit=limit)
        return Response(MessageRepresentation(messages, many=True).data)

    @extend_schema(
        operation_id="conversationSendMessage",
        tags=["conversations"],
        summary="Write to the user as the calling agent",
        description="`text` or `payload` or both. Only the agent assigned to the open handoff, an "
        "admin, or any agent while the conversation is paused without a handoff. Delivered "
        f"through the conversation's channel. {AGENT_ONLY}",
        request=MessageSendInput,
        responses={
            201: OpenApiResponse(MessageRepresentation, description="Sent."),
            **errors(409, 413),
        },
    )
    def post(self, request: Request, bot_id: str, conversation_id: int) -> Response:
        conversation = conversation_get(bot=self.bot, conversation_id=conversation_id)
        agent = self.agent()
        data = inputs.body(MessageSendInput, request)
        message = services.message_send_agent(
            conversation=conversation, agent=agent, text=data["text"], payload=data.get("payload")
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
