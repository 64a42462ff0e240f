"""HITL-next: list and request handoffs, and set their tags."""

from __future__ import annotations

from datetime import timedelta

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ... import services
from ...models import Handoff
from ...representations import HandoffRepresentation
from ...selectors import handoff_get, handoff_list
from .. import inputs
from ..access import BotApiView
from ..pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from ..schema import TOKEN_MAY, errors, page_parameters

STATUSES = [choice.value for choice in Handoff.Status]


class HandoffListQuery(serializers.Serializer):
    status = serializers.CharField(required=False, max_length=100)
    agent_id = inputs.id_field(required=False)
    tag = serializers.CharField(required=False, max_length=60)
    user_id = serializers.CharField(required=False, max_length=200)
    cursor = serializers.CharField(required=False, max_length=100)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT)

    def validate_status(self, value: str) -> list[str]:
        statuses = [part.strip() for part in value.split(",") if part.strip()]
        unknown = sorted(set(statuses) - set(STATUSES))
        if unknown:
            raise serializers.ValidationError(f"Unknown status: {', '.join(unknown)}.")
        return statuses


class HandoffCreateInput(serializers.Serializer):
    user_id = serializers.CharField(max_length=200, help_text="The end user's id on the channel.")
    user_thread_id = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="The conversation's thread; when omitted, the user's latest conversation.",
    )
    user_channel = serializers.CharField(max_length=40, help_text="e.g. `web`, `api`.")
    timeout_delay = serializers.IntegerField(
        min_value=1,
        max_value=30 * 24 * 3600,
        required=False,
        help_text="Seconds before a pending handoff expires; the bot's setting when omitted.",
    )
    require_agent = serializers.BooleanField(
        required=False,
        default=False,
        help_text="When no agent is online, reject the handoff at once (status `rejected`): the "
        "conversation stays with the bot, which learns `noAgent`.",
    )


class HandoffTagsInput(serializers.Serializer):
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60, allow_blank=True), max_length=50
    )


class HandoffListCreateApi(BotApiView):
    @extend_schema(
        operation_id="handoffList",
        tags=["handoffs"],
        summary="List handoffs",
        description="Oldest pending first, then assigned, then closed ones, each oldest first. "
        "The body is an array, as in Botpress; the next page's URL is in the `Link` header "
        f'(`rel="next"`). {TOKEN_MAY}',
        parameters=[
            OpenApiParameter("status", str, description="One or several, comma-separated."),
            OpenApiParameter("agentId", int, description="The assigned agent's id."),
            OpenApiParameter("tag", str, description="A label name."),
            OpenApiParameter("userId", str, description="The end user's id."),
            *page_parameters(max_limit=MAX_LIMIT, default_limit=DEFAULT_LIMIT),
        ],
        responses={200: HandoffRepresentation(many=True), **errors()},
    )
    def get(self, request: Request, bot_id: str) -> Response:
        params = inputs.query(HandoffListQuery, request)
        handoffs = handoff_list(
            bot=self.bot,
            statuses=params.get("status"),
            agent_id=params.get("agent_id"),
            tag=params.get("tag"),
            user_id=params.get("user_id"),
        )
        page, next_url = paginate(
            handoffs,
            request=request,
            cursor=params.get("cursor"),
            limit=params.get("limit", DEFAULT_LIMIT),
        )
        response = Response(HandoffRepresentation(page, many=True).data)
        if next_url:
            response["Link"] = f'<{next_url}>; rel="next"'
        return response

    @extend_schema(
        operation_id="handoffCreate",
        tags=["handoffs"],
        summary="Request a handoff",
        description="Pauses the bot for the user, sends the transfer message and alerts the "
        "agents. The user and conversation are created if new. 201 with the new handoff; 200 "
        f"with the open one when the conversation already has it. {TOKEN_MAY}",
        request=HandoffCreateInput,
        responses={
            201: OpenApiResponse(HandoffRepresentation, description="Created."),
            200: OpenApiResponse(HandoffRepresentation, description="Already open."),
            **errors(413),
        },
    )
    def post(self, request: Request, bot_id: str) -> Response:
        data = inputs.body(HandoffCreateInput, request)
        conversation = services.conversation_for_user(
            bot=self.bot,
            channel=data["user_channel"],
            user_id=data["user_id"],
            thread_id=data.get("user_thread_id"),
        )
        delay = data.get("timeout_delay")
        handoff, created = services.handoff_request(
            conversation=conversation,
            timeout=timedelta(seconds=delay) if delay else None,
            require_agent=data["require_agent"],
        )
        handoff = handoff_get(bot=self.bot, handoff_id=handoff.pk)
        return Response(
            HandoffRepresentation(handoff).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class HandoffTagsApi(BotApiView):
    @extend_schema(
        operation_id="handoffSetTags",
        tags=["handoffs"],
        summary="Set a handoff's tags",
        description="Replaces the tags (labels); unknown names become new labels of the bot. "
        f"{TOKEN_MAY}",
        request=HandoffTagsInput,
        responses={200: HandoffRepresentation, **errors(413)},
    )
    def post(self, request: Request, bot_id: str, handoff_id: int) -> Response:
        handoff = handoff_get(bot=self.bot, handoff_id=handoff_id)
        data = inputs.body(HandoffTagsInput, request)
        services.handoff_set_labels(handoff=handoff, names=data["tags"], actor=self.caller.user)
        handoff = handoff_get(bot=self.bot, handoff_id=handoff_id)
        return Response(HandoffRepresentation(handoff).data)
