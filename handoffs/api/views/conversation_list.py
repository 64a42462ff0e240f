"""Every conversation of a bot, handed off or not: Botpress's legacy HITL panel, as a list."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ... import services
from ...representations import ConversationSummaryRepresentation
from ...selectors import (
    conversation_get,
    conversation_keyset_after,
    conversation_list,
    conversation_summary_get,
)
from .. import cursors, inputs
from ..access import BotApiView
from ..pagination import DEFAULT_LIMIT, MAX_LIMIT
from ..schema import AGENT_ONLY, TOKEN_MAY, errors, page_parameters


class ConversationListQuery(serializers.Serializer):
    search = serializers.CharField(required=False, allow_blank=True, max_length=200)
    channel = serializers.CharField(required=False, max_length=40)
    paused = serializers.BooleanField(required=False)
    cursor = serializers.CharField(required=False, max_length=200)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT)


class ConversationListApi(BotApiView):
    @extend_schema(
        operation_id="conversationList",
        tags=["conversations"],
        summary="List conversations",
        description="Every conversation of the bot, with or without a handoff, most recent "
        "activity first, each with its last message and its open handoff. `search` matches the "
        "user's name (`fullName`), the user's id or the text of any message. The body is an "
        f'array; the next page\'s URL is in the `Link` header (`rel="next"`). {TOKEN_MAY}',
        parameters=[
            OpenApiParameter("search", str, description="Name, user id or message text."),
            OpenApiParameter("channel", str, description="e.g. `web`, `messenger`, `api`."),
            OpenApiParameter("paused", bool, description="Only paused, or only running ones."),
            *page_parameters(max_limit=MAX_LIMIT, default_limit=DEFAULT_LIMIT),
        ],
        responses={200: ConversationSummaryRepresentation(many=True), **errors()},
    )
    def get(self, request: Request, bot_id: str) -> Response:
        params = inputs.query(ConversationListQuery, request)
        conversations = conversation_list(
            bots=[self.bot],
            query=params.get("search", "").strip(),
            channel=params.get("channel"),
            paused=params.get("paused"),
        )
        if params.get("cursor"):
            moment, last_id = cursors.conversation_position(params["cursor"])
            conversations = conversation_keyset_after(
                conversations, activity_at=moment, last_id=last_id
            )
        limit = params.get("limit", DEFAULT_LIMIT)
        page = list(conversations[: limit + 1])
        response = Response(
            ConversationSummaryRepresentation(
                page[:limit], many=True, context=self.as_caller()
            ).data
        )
        if len(page) > limit:
            response["Link"] = cursors.next_link(
                request, cursors.conversation_cursor(page[limit - 1])
            )
        return response


class ConversationApi(BotApiView):
    @extend_schema(
        operation_id="conversationGet",
        tags=["conversations"],
        summary="One conversation",
        description="As the list shows it: with its last message and its open handoff. "
        f"{TOKEN_MAY}",
        responses={200: ConversationSummaryRepresentation, **errors()},
    )
    def get(self, request: Request, bot_id: str, conversation_id: int) -> Response:
        conversation = conversation_summary_get(bot=self.bot, conversation_id=conversation_id)
        return Response(
            ConversationSummaryRepresentation(conversation, context=self.as_caller()).data
        )

    @extend_schema(
        operation_id="conversationDelete",
        tags=["conversations"],
        summary="Delete a conversation",
        description="With its messages, notes and handoffs, where the bot allows it "
        "(`enableConversationDeletion`); an open handoff only by its agent or an admin "
        f"(`allowedActions.delete`). {AGENT_ONLY}",
        responses={204: None, **errors()},
    )
    def delete(self, request: Request, bot_id: str, conversation_id: int) -> Response:
        conversation = conversation_get(bot=self.bot, conversation_id=conversation_id)
        services.conversation_delete(conversation=conversation, actor=self.agent())
        return Response(status=status.HTTP_204_NO_CONTENT)
