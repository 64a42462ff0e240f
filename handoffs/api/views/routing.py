"""Teams, a handoff's priority, and the calling agent's status (README "Teams, priorities,
capacity")."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ... import services
from ...models.handoffs import PRIORITIES
from ...representations import AgentStatusRepresentation, HandoffRepresentation, TeamRepresentation
from ...selectors import agent_list, handoff_get, team_list
from ...services.agents import AGENT_STATUSES
from .. import choices, inputs
from ..access import BotApiView
from ..schema import AGENT_ONLY, TOKEN_MAY, errors


class HandoffPriorityInput(serializers.Serializer):
    priority = serializers.CharField(max_length=20, help_text=f"One of {', '.join(PRIORITIES)}.")


class AgentStatusInput(serializers.Serializer):
    status = serializers.CharField(
        max_length=20,
        help_text="`online`, `busy` (online, given no new handoffs automatically) or `offline`.",
    )


class TeamListApi(BotApiView):
    @extend_schema(
        operation_id="teamList",
        tags=["agents"],
        summary="The workspace's teams",
        description=f"Each with its slug, name and members' agent ids. {TOKEN_MAY}",
        responses={200: TeamRepresentation(many=True), **errors()},
    )
    def get(self, request: Request, bot_id: str) -> Response:
        teams = team_list(workspace_id=self.bot.workspace_id)
        return Response(TeamRepresentation(teams, many=True).data)


class HandoffPriorityApi(BotApiView):
    @extend_schema(
        operation_id="handoffSetPriority",
        tags=["handoffs"],
        summary="Set an open handoff's priority",
        description="The queue and automatic assignment take the most pressing first, then the "
        "oldest. An agent must be online; an API token (the bot) may too. Unknown priority: 422 "
        f"with the allowed values. {TOKEN_MAY}",
        request=HandoffPriorityInput,
        responses={200: HandoffRepresentation, **errors(413)},
    )
    def post(self, request: Request, bot_id: str, handoff_id: int) -> Response:
        handoff = handoff_get(bot=self.bot, handoff_id=handoff_id)
        data = inputs.body(HandoffPriorityInput, request)
        priority = choices.priority_of(data["priority"])
        services.handoff_set_priority(handoff=handoff, priority=priority, actor=self.caller.user)
        handoff = handoff_get(bot=self.bot, handoff_id=handoff_id)
        return Response(HandoffRepresentation(handoff, context=self.as_caller()).data)


class AgentStatusApi(BotApiView):
    @extend_schema(
        operation_id="agentSetStatus",
        tags=["agents"],
        summary="Set my status: online, busy or offline",
        description="Beside Botpress's `agents/me/online`: `busy` is online (taking and "
        "resolving handoffs by hand) without new automatic assignments. Unknown status: 422 "
        f"with the allowed values. {AGENT_ONLY}",
        request=AgentStatusInput,
        responses={200: AgentStatusRepresentation, **errors(413)},
    )
    def post(self, request: Request, bot_id: str) -> Response:
        membership = self.agent_membership()
        data = inputs.body(AgentStatusInput, request)
        if data["status"] not in AGENT_STATUSES:
            raise choices.unknown_value("status", data["status"], AGENT_STATUSES)
        services.agent_set_status(membership=membership, status=data["status"])
        fresh = agent_list(workspace_id=membership.workspace_id).get(pk=membership.pk)
        return Response(AgentStatusRepresentation(fresh).data)
