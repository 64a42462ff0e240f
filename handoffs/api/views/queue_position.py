"""A waiting user's place in the queue, asked for by the bot on the user's behalf (issue 23)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ...selectors import handoff_get
from ...services.queue_position import handoff_tell_position
from ..access import BotApiView
from ..schema import TOKEN_MAY, errors


class PositionRepresentation(serializers.Serializer):
    position = serializers.IntegerField(help_text="1 for the next handoff to be taken.")
    estimated_wait = serializers.CharField(help_text="Minutes, from the queue's recent pace; ?")
    sent = serializers.BooleanField(
        help_text="Whether the position message went to the user now (the bot tells positions "
        "and did not within its interval)."
    )


class HandoffPositionApi(BotApiView):
    @extend_schema(
        operation_id="handoffPosition",
        tags=["handoffs"],
        summary="Tell a waiting user their place in the queue",
        description="The user's place and estimated wait; with the bot's queue position "
        "messages on, the user is also sent the message (at most once per the bot's interval). "
        f"422 `handoff_not_pending` for a handoff not waiting. {TOKEN_MAY}",
        request=None,
        responses={200: PositionRepresentation, **errors()},
    )
    def post(self, request: Request, bot_id: str, handoff_id: int) -> Response:
        handoff = handoff_get(bot=self.bot, handoff_id=handoff_id)
        answer = handoff_tell_position(handoff=handoff)
        return Response(
            PositionRepresentation(
                {
                    "position": answer.position,
                    "estimated_wait": answer.estimated_wait,
                    "sent": answer.sent,
                }
            ).data
        )
