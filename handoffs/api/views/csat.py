"""A handoff's satisfaction rating, recorded by a bot that asked the user itself."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from agents.errors import Forbidden

from ... import services
from ...models.handoffs import CSAT_MAX, CSAT_MIN
from ...representations import HandoffRepresentation
from ...selectors import handoff_get
from ...services.csat import MAX_COMMENT_LENGTH
from .. import inputs
from ..access import BotApiView
from ..schema import errors


class HandoffCsatInput(serializers.Serializer):
    score = serializers.IntegerField(min_value=CSAT_MIN, max_value=CSAT_MAX)
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_COMMENT_LENGTH
    )


class HandoffCsatApi(BotApiView):
    @extend_schema(
        operation_id="handoffRecordCsat",
        tags=["handoffs"],
        summary="Record the user's satisfaction rating of an ended handoff",
        description="For a bot that asks the user itself (a bot with the CSAT setting on asks "
        f"after resolve and stores the answer without this call): `score` {CSAT_MIN} to "
        f"{CSAT_MAX}, an optional `comment`; a later call replaces the rating. 422 for a bad "
        "value or a handoff still open. An API token (the bot) or a workspace admin may call "
        "this; an agent gets 403.",
        request=HandoffCsatInput,
        responses={200: HandoffRepresentation, **errors(413)},
    )
    def post(self, request: Request, bot_id: str, handoff_id: int) -> Response:
        membership = self.caller.membership
        if membership is not None and not membership.is_admin:
            # The user rates the agent: an agent does not rate themselves.
            raise Forbidden(
                "Only a bot (an API token) or a workspace admin can record a rating.",
                code="admin_required",
            )
        handoff = handoff_get(bot=self.bot, handoff_id=handoff_id)
        data = inputs.body(HandoffCsatInput, request)
        services.handoff_csat_record(handoff=handoff, score=data["score"], comment=data["comment"])
        handoff = handoff_get(bot=self.bot, handoff_id=handoff_id)
        return Response(HandoffRepresentation(handoff, context=self.as_caller()).data)
