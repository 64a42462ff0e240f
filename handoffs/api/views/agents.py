"""The workspace's agents, and the calling agent's availability and profile."""

from __future__ import annotations

from typing import Any

from djangorestframework_camel_case.parser import CamelCaseMultiPartParser
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from agents.errors import ApplicationError
from agents.models import Membership

from ... import services
from ...representations import AgentStatusRepresentation
from ...selectors import agent_list
from .. import inputs
from ..access import BotApiView
from ..parsers import ApiJSONParser
from ..schema import AGENT_ONLY, TOKEN_MAY, errors

MAX_AVATAR_BYTES = 2_000_000


class AgentOnlineInput(serializers.Serializer):
    # Botpress reads `if (online)`: a body without it takes the agent offline
    # (modules/hitlnext/src/backend/api.ts, POST /agents/me/online).
    online = serializers.BooleanField(required=False, default=False, allow_null=True)


class AgentProfileInput(serializers.Serializer):
    display_name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    avatar = serializers.ImageField(
        required=False, help_text="An image file; at most 2 MB (413 beyond)."
    )

    def validate_avatar(self, avatar: Any) -> Any:
        if avatar.size > MAX_AVATAR_BYTES:
            raise ApplicationError(
                "The avatar is larger than 2 MB.",
                code="avatar_too_large",
                status_code=413,
            )
        return avatar


def _status(membership: Membership) -> dict[str, Any]:
    fresh = agent_list(workspace_id=membership.workspace_id).get(pk=membership.pk)
    return AgentStatusRepresentation(fresh).data


class AgentListApi(BotApiView):
    @extend_schema(
        operation_id="agentList",
        tags=["agents"],
        summary="The workspace's agents",
        description=f"Each with `agentId`, `online` and profile. {TOKEN_MAY}",
        responses={200: AgentStatusRepresentation(many=True), **errors()},
    )
    def get(self, request: Request, bot_id: str) -> Response:
        memberships = agent_list(workspace_id=self.bot.workspace_id)
        return Response(AgentStatusRepresentation(memberships, many=True).data)


class AgentMeApi(BotApiView):
    parser_classes = [ApiJSONParser, CamelCaseMultiPartParser]

    @extend_schema(
        operation_id="agentMe",
        tags=["agents"],
        summary="The calling agent",
        description=AGENT_ONLY,
        responses={200: AgentStatusRepresentation, **errors()},
    )
    def get(self, request: Request, bot_id: str) -> Response:
        return Response(_status(self.agent_membership()))

    @extend_schema(
        operation_id="agentMeUpdate",
        tags=["agents"],
        summary="Update the calling agent's profile",
        description="Display name (JSON or form) and avatar (multipart upload), as end users and "
        f"colleagues see them. {AGENT_ONLY}",
        request={
            "application/json": AgentProfileInput,
            "multipart/form-data": AgentProfileInput,
        },
        responses={200: AgentStatusRepresentation, **errors(413)},
    )
    def patch(self, request: Request, bot_id: str) -> Response:
        membership = self.agent_membership()
        data = inputs.body(AgentProfileInput, request)
        services.agent_profile_update(
            user=self.agent(),
            display_name=data.get("display_name"),
            avatar=data.get("avatar"),
        )
        return Response(_status(membership))


class AgentOnlineApi(BotApiView):
    @extend_schema(
        operation_id="agentSetOnline",
        tags=["agents"],
        summary="Go online or offline",
        description="Agents must be online to take and resolve handoffs. Changes the calling "
        f"agent's availability in this bot's workspace. {AGENT_ONLY}",
        request=AgentOnlineInput,
        responses={200: AgentStatusRepresentation, **errors(413)},
    )
    def post(self, request: Request, bot_id: str) -> Response:
        membership = self.agent_membership()
        data = inputs.body(AgentOnlineInput, request)
        services.agent_set_online(membership=membership, online=bool(data["online"]))
        return Response(_status(membership))
