"""HITL-next: list and request handoffs, and set their tags."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ... import services
from ...models import Handoff
from ...models.handoffs import DEFAULT_PRIORITY, PRIORITIES
from ...representations import HandoffRepresentation
from ...search import MAX_TERM, MIN_TEXT_TERM
from ...selectors import (
    HANDOFF_VIEWS,
    handoff_get,
    handoff_list,
    handoff_queue_positions,
    handoff_view_counts,
)
from .. import choices, inputs
from ..access import BotApiView
from ..pagination import HANDOFF_LIMIT, paginate
from ..schema import TOKEN_MAY, errors, page_parameters

STATUSES = [choice.value for choice in Handoff.Status]
# Botpress's `column` (a knex orderBy of its handoffs table), whitelisted.
ORDER_COLUMNS = {
    "id": "id",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
    "status": "status",
    "assignedAt": "assigned_at",
    "resolvedAt": "resolved_at",
}
MAX_TIMEOUT_SECONDS = 30 * 24 * 3600


class HandoffListQuery(serializers.Serializer):
    status = serializers.CharField(required=False, max_length=100)
    agent_id = inputs.id_field(required=False)
    tag = serializers.CharField(required=False, max_length=60)
    user_id = serializers.CharField(required=False, max_length=200)
    cursor = serializers.CharField(required=False, max_length=100)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=HANDOFF_LIMIT)
    column = serializers.CharField(required=False, max_length=40)
    desc = serializers.BooleanField(required=False)
    view = serializers.CharField(required=False, max_length=100)
    tags = serializers.CharField(required=False, max_length=2000)
    order = serializers.ChoiceField(choices=["oldest", "newest"], required=False)
    q = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TERM)
    team = serializers.CharField(required=False, max_length=2000)
    priority = serializers.CharField(required=False, max_length=100)

    def validate_team(self, value: str) -> list[str]:
        return [part.strip() for part in value.split(",") if part.strip()]

    def validate_priority(self, value: str) -> list[str]:
        return [part.strip() for part in value.split(",") if part.strip()]

    def validate_view(self, value: str) -> list[str]:
        views = [part.strip() for part in value.split(",") if part.strip()]
        unknown = sorted(set(views) - set(HANDOFF_VIEWS))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown view: {', '.join(unknown)}; one of {', '.join(HANDOFF_VIEWS)}."
            )
        return views

    def validate_tags(self, value: str) -> list[str]:
        return [part.strip() for part in value.split(",") if part.strip()]

    def validate_column(self, value: str) -> str:
        # Botpress's own UI names it with its table (`handoffs.createdAt`, views/full/Sidebar.tsx).
        field = ORDER_COLUMNS.get(value.removeprefix("handoffs."))
        if field is None:
            raise serializers.ValidationError(f"One of: {', '.join(ORDER_COLUMNS)}.")
        return field

    def validate(self, data: dict) -> dict:
        if "cursor" in data and ("column" in data or "desc" in data):
            raise serializers.ValidationError(
                {"cursor": ["A cursor pages the default order; it goes without column and desc."]}
            )
        return data

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
    timeout_delay = serializers.FloatField(
        max_value=MAX_TIMEOUT_SECONDS,
        required=False,
        allow_null=True,
        help_text="Seconds (fractions allowed) before a pending handoff expires. 0, null or "
        "negative: never, as in Botpress's HITL skill (`0 = never`). Omitted: the bot's "
        "`handoffTimeout` if an admin set one, else never.",
    )
    require_agent = serializers.BooleanField(
        required=False,
        default=False,
        help_text="When no agent is online, reject the handoff at once (status `rejected`): the "
        "conversation stays with the bot, which learns `noAgent`.",
    )
    team = serializers.CharField(
        max_length=60,
        required=False,
        allow_null=True,
        help_text="A team's slug: only its members are given the handoff automatically. Unknown: "
        "422 with the allowed values.",
    )
    priority = serializers.CharField(
        max_length=20,
        required=False,
        help_text=f"One of {', '.join(PRIORITIES)} (default `{DEFAULT_PRIORITY}`): the queue "
        "and automatic assignment take the most pressing first, then the oldest.",
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
        description="Oldest pending first, then assigned, then closed ones, each oldest first; "
        "or ordered by `column` (and `desc`), as in Botpress. The body is an array, as in "
        f"Botpress: up to {HANDOFF_LIMIT} handoffs without `limit`; in the default order the "
        f'next page\'s URL is in the `Link` header (`rel="next"`). {TOKEN_MAY}',
        parameters=[
            OpenApiParameter("status", str, description="One or several, comma-separated."),
            OpenApiParameter("agentId", int, description="The assigned agent's id."),
            OpenApiParameter("tag", str, description="A label name."),
            OpenApiParameter("userId", str, description="The end user's id."),
            OpenApiParameter(
                "view",
                str,
                description="The workspace's filters, comma-separated, any of: "
                f"{', '.join(HANDOFF_VIEWS)} (`mine` and `others` need an agent's session).",
            ),
            OpenApiParameter("tags", str, description="Label names, comma-separated: any of."),
            OpenApiParameter(
                "team",
                str,
                description="Team slugs, comma-separated: any of; or `mine` (an agent's session): "
                "the caller's teams, handoffs of no team and the caller's own.",
            ),
            OpenApiParameter(
                "priority",
                str,
                description=f"Priorities, comma-separated, any of: {', '.join(PRIORITIES)}.",
            ),
            OpenApiParameter(
                "q",
                str,
                description="Search: the user's id or name, or the text of any message of the "
                f"conversation (any case). A term shorter than {MIN_TEXT_TERM} characters "
                "matches user ids and names only.",
            ),
            OpenApiParameter(
                "order",
                str,
                enum=["oldest", "newest"],
                description="Within pending, assigned and closed: oldest (default) or newest "
                "first. A cursor follows either.",
            ),
            OpenApiParameter(
                "column",
                str,
                enum=list(ORDER_COLUMNS),
                description="Order by this field (`handoffs.` before it is allowed), ties by id.",
            ),
            OpenApiParameter(
                "desc", bool, description="Newest (largest) first; alone it orders by id."
            ),
            *page_parameters(max_limit=HANDOFF_LIMIT, default_limit=HANDOFF_LIMIT),
        ],
        responses={200: HandoffRepresentation(many=True), **errors()},
    )
    def get(self, request: Request, bot_id: str) -> Response:
        params = inputs.query(HandoffListQuery, request)
        views = params.get("view")
        if views and {"mine", "others"} & set(views):
            self.agent()  # "mine" is a person's
        teams, priorities = self.routing_filters(params)
        newest = params.get("order") == "newest"
        handoffs = handoff_list(
            bot=self.bot,
            statuses=params.get("status"),
            agent_id=params.get("agent_id"),
            tag=params.get("tag"),
            user_id=params.get("user_id"),
            order_by=params.get("column") or ("id" if "desc" in params else None),
            descending=params.get("desc", False),
            views=views,
            viewer_id=self.caller.user.pk if self.caller.user else None,
            tags=params.get("tags"),
            newest=newest,
            query=params.get("q"),
            teams=teams,
            priorities=priorities,
        )
        limit = params.get("limit", HANDOFF_LIMIT)
        if "column" in params or "desc" in params:
            # Botpress's order and limit, one page: a cursor follows the default order only.
            page, next_url = list(handoffs[:limit]), None
        else:
            page, next_url = paginate(
                handoffs,
                request=request,
                cursor=params.get("cursor"),
                limit=limit,
                newest=newest,
            )
        handoff_queue_positions(bot=self.bot, handoffs=page)
        response = Response(HandoffRepresentation(page, many=True, context=self.as_caller()).data)
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
            **errors(413, 429),
        },
    )
    def post(self, request: Request, bot_id: str) -> Response:
        data = inputs.body(HandoffCreateInput, request)
        # Checked before anything is created: a refused request leaves no user behind.
        if data.get("team"):
            choices.team_of(data["team"], workspace_id=self.bot.workspace_id)
        choices.priority_of(data.get("priority", DEFAULT_PRIORITY))
        conversation = services.conversation_for_user(
            bot=self.bot,
            channel=data["user_channel"],
            user_id=data["user_id"],
            thread_id=data.get("user_thread_id"),
        )
        team = None
        if data.get("team"):
            team = choices.team_of(data["team"], workspace_id=self.bot.workspace_id)
        priority = choices.priority_of(data.get("priority", DEFAULT_PRIORITY))
        handoff, created = services.handoff_request(
            conversation=conversation,
            timeout=_timeout(data),
            require_agent=data["require_agent"],
            team=team,
            priority=priority,
        )
        handoff = handoff_get(bot=self.bot, handoff_id=handoff.pk)
        return Response(
            HandoffRepresentation(handoff, context=self.as_caller()).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


def _timeout(data: dict) -> timedelta | None | Literal["bot"]:
    """Botpress arms an expiry only for a delay > 0 (modules/hitlnext/src/backend/service.ts)."""
    if "timeout_delay" not in data:
        return services.BOT_TIMEOUT
    delay = data["timeout_delay"]
    return timedelta(seconds=delay) if delay is not None and delay > 0 else None


class HandoffApi(BotApiView):
    @extend_schema(
        operation_id="handoffGet",
        tags=["handoffs"],
        summary="One handoff",
        description="With what the caller may do with it now (`allowedActions`), which the "
        f"workspace reads after each change. {TOKEN_MAY}",
        responses={200: HandoffRepresentation, **errors()},
    )
    def get(self, request: Request, bot_id: str, handoff_id: int) -> Response:
        handoff = handoff_get(bot=self.bot, handoff_id=handoff_id)
        return Response(HandoffRepresentation(handoff, context=self.as_caller()).data)

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
        return Response(HandoffRepresentation(handoff, context=self.as_caller()).data)


class HandoffCountsQuery(serializers.Serializer):
    tags = serializers.CharField(required=False, max_length=2000)
    team = serializers.CharField(required=False, max_length=2000)
    priority = serializers.CharField(required=False, max_length=100)

    def validate_tags(self, value: str) -> list[str]:
        return [part.strip() for part in value.split(",") if part.strip()]

    validate_team = validate_tags
    validate_priority = validate_tags


class HandoffCountsApi(BotApiView):
    @extend_schema(
        operation_id="handoffCounts",
        tags=["handoffs"],
        summary="How many open handoffs each view holds",
        description="`{unassigned, mine, others}` for the calling agent, optionally of the "
        "handoffs with any of `tags`: the workspace's filter counts, counted in the database "
        "whatever the queue's length.",
        parameters=[
            OpenApiParameter("tags", str, description="Label names, comma-separated."),
            OpenApiParameter("team", str, description="As the list's `team`."),
            OpenApiParameter("priority", str, description="As the list's `priority`."),
        ],
        responses={200: OpenApiTypes.OBJECT, **errors()},
    )
    def get(self, request: Request, bot_id: str) -> Response:
        params = inputs.query(HandoffCountsQuery, request)
        viewer = self.agent()
        teams, priorities = self.routing_filters(params)
        counts = handoff_view_counts(
            bot=self.bot,
            viewer_id=viewer.pk,
            tags=params.get("tags"),
            teams=teams,
            priorities=priorities,
        )
        return Response(counts)
