"""Transitions of one handoff: assign, resolve, reject, requeue, transfer; and its comments."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from agents.selectors import membership_get

from ... import services
from ...models import Handoff
from ...representations import HandoffRepresentation, NoteRepresentation
from ...selectors import handoff_get
from .. import choices, inputs
from ..access import BotApiView
from ..schema import AGENT_ONLY, errors


class HandoffAssignInput(serializers.Serializer):
    agent_id = inputs.id_field(
        required=False, help_text="Admins only: assign to this agent instead of themselves."
    )


class HandoffTransferInput(serializers.Serializer):
    agent_id = inputs.id_field(required=False, help_text="The agent who takes the handoff over.")
    team = serializers.CharField(
        max_length=60,
        required=False,
        help_text="Instead of `agentId`: a team's slug; the handoff waits for that team.",
    )

    def validate(self, data: dict) -> dict:
        if ("agent_id" in data) == ("team" in data):
            raise serializers.ValidationError(
                {"agent_id": ["Give either agentId or team (exactly one)."]}
            )
        return data


class HandoffCommentInput(serializers.Serializer):
    content = serializers.CharField(help_text="At most 10,000 characters (413 beyond).")


class HandoffActionApi(BotApiView):
    """Loads the URL's handoff, runs `act`, answers with the handoff as it is now."""

    def act(self, request: Request, handoff: Handoff) -> None:
        raise NotImplementedError

    def post(self, request: Request, bot_id: str, handoff_id: int) -> Response:
        handoff = handoff_get(bot=self.bot, handoff_id=handoff_id)
        self.act(request, handoff)
        handoff = handoff_get(bot=self.bot, handoff_id=handoff_id)
        return Response(HandoffRepresentation(handoff, context=self.as_caller()).data)

    def agent_of_workspace(self, agent_id: int):
        membership = membership_get(workspace_id=self.bot.workspace_id, user_id=agent_id)
        if membership is None:
            raise serializers.ValidationError({"agent_id": ["No such agent in this workspace."]})
        return membership.user


TRANSITION_ERRORS = errors()


@extend_schema_view(
    post=extend_schema(
        operation_id="handoffAssign",
        tags=["handoffs"],
        summary="Assign a pending handoff",
        description="To the calling agent, who must be online and under the bot's capacity; "
        "an admin may pass `agentId` to assign someone else. Exactly one of concurrent callers "
        f"wins; the others get 422 naming the holder. {AGENT_ONLY}",
        request=HandoffAssignInput,
        responses={200: HandoffRepresentation, **errors(413)},
    )
)
class HandoffAssignApi(HandoffActionApi):
    def act(self, request: Request, handoff: Handoff) -> None:
        actor = self.agent()
        data = inputs.body(HandoffAssignInput, request)
        agent = self.agent_of_workspace(data["agent_id"]) if "agent_id" in data else actor
        services.handoff_assign(handoff=handoff, agent=agent, actor=actor)


@extend_schema_view(
    post=extend_schema(
        operation_id="handoffResolve",
        tags=["handoffs"],
        summary="Resolve an assigned handoff",
        description="Only the assigned agent (online) or an admin. The conversation is unpaused "
        f"and the bot takes over again. {AGENT_ONLY}",
        request=None,
        responses={200: HandoffRepresentation, **TRANSITION_ERRORS},
    )
)
class HandoffResolveApi(HandoffActionApi):
    def act(self, request: Request, handoff: Handoff) -> None:
        services.handoff_resolve(handoff=handoff, actor=self.agent())


@extend_schema_view(
    post=extend_schema(
        operation_id="handoffReject",
        tags=["handoffs"],
        summary="Reject a handoff",
        description="Closes a pending or assigned handoff without an agent; `rejected` is final "
        "and the conversation is unpaused. An agent must be online, and only the holder or an "
        "admin rejects an assigned handoff. An API token may reject too: the bot or system "
        "declining (e.g. no agent available).",
        request=None,
        responses={200: HandoffRepresentation, **TRANSITION_ERRORS},
    )
)
class HandoffRejectApi(HandoffActionApi):
    def act(self, request: Request, handoff: Handoff) -> None:
        services.handoff_reject(handoff=handoff, actor=self.caller.user)


@extend_schema_view(
    post=extend_schema(
        operation_id="handoffRequeue",
        tags=["handoffs"],
        summary="Put an assigned handoff back in the queue",
        description=f"Only the holder or an admin; it keeps its place by age. {AGENT_ONLY}",
        request=None,
        responses={200: HandoffRepresentation, **errors()},
    )
)
class HandoffRequeueApi(HandoffActionApi):
    def act(self, request: Request, handoff: Handoff) -> None:
        services.handoff_requeue(handoff=handoff, actor=self.agent())


@extend_schema_view(
    post=extend_schema(
        operation_id="handoffTransfer",
        tags=["handoffs"],
        summary="Transfer an assigned handoff to another agent, or a handoff to a team",
        description="`agentId`: only the holder (online) or an admin; the new agent must be "
        "online and under capacity, and the user is told who took over. `team`: a waiting "
        "handoff changes team (any online agent may); an assigned one (its holder or an admin) "
        "goes back to the queue for that team. Unknown team: 422 with the allowed values. "
        f"{AGENT_ONLY}",
        request=HandoffTransferInput,
        responses={200: HandoffRepresentation, **errors(413)},
    )
)
class HandoffTransferApi(HandoffActionApi):
    def act(self, request: Request, handoff: Handoff) -> None:
        actor = self.agent()
        data = inputs.body(HandoffTransferInput, request)
        if "team" in data:
            team = choices.team_of(data["team"], workspace_id=self.bot.workspace_id)
            services.handoff_transfer_team(handoff=handoff, team=team, actor=actor)
            return
        target = self.agent_of_workspace(data["agent_id"])
        services.handoff_transfer(handoff=handoff, to_agent=target, actor=actor)


class HandoffCommentApi(BotApiView):
    @extend_schema(
        operation_id="handoffComment",
        tags=["handoffs"],
        summary="Comment on a handoff",
        description="Botpress's comment: a note on the handoff's conversation, shown with every "
        f"later handoff of the user too. {AGENT_ONLY}",
        request=HandoffCommentInput,
        responses={
            201: OpenApiResponse(NoteRepresentation, description="Created."),
            **errors(413),
        },
    )
    def post(self, request: Request, bot_id: str, handoff_id: int) -> Response:
        handoff = handoff_get(bot=self.bot, handoff_id=handoff_id)
        author = self.agent()
        data = inputs.body(HandoffCommentInput, request)
        note = services.note_add(
            conversation=handoff.conversation, author=author, text=data["content"], handoff=handoff
        )
        return Response(NoteRepresentation(note).data, status=status.HTTP_201_CREATED)
