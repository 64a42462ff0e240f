"""An end user's profile: the variables the bot and the agents know about them."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ... import services
from ...models import EndUser
from ...representations import EndUserRepresentation
from ...selectors import end_user_get
from .. import inputs
from ..access import BotApiView
from ..schema import TOKEN_MAY, USER_ID, errors

CHANNEL = OpenApiParameter(
    "channel", str, description="Needed only when users of two channels share the id."
)


class EndUserQuery(serializers.Serializer):
    channel = serializers.CharField(required=False, max_length=40)


class EndUserPathInput(serializers.Serializer):
    user_id = serializers.CharField(max_length=200)


class EndUserUpdateInput(serializers.Serializer):
    variables = serializers.DictField(
        help_text="Merged into the profile (shown as `attributes`); a null value removes one."
    )


class EndUserApi(BotApiView):
    def channel(self, request: Request, user_id: str) -> str | None:
        """The `channel` query parameter, once the path's user id is checked."""
        path = EndUserPathInput(data={"user_id": user_id})
        path.is_valid(raise_exception=True)
        return inputs.query(EndUserQuery, request).get("channel")

    def end_user(self, request: Request, user_id: str) -> EndUser:
        channel = self.channel(request, user_id)
        return end_user_get(bot=self.bot, external_id=user_id, channel=channel)

    @extend_schema(
        operation_id="userGet",
        tags=["users"],
        summary="An end user's profile",
        description=f"`userId` is the user's id on their channel. {TOKEN_MAY}",
        parameters=[USER_ID, CHANNEL],
        responses={200: EndUserRepresentation, **errors()},
    )
    def get(self, request: Request, bot_id: str, user_id: str) -> Response:
        return Response(EndUserRepresentation(self.end_user(request, user_id)).data)

    @extend_schema(
        operation_id="userUpdate",
        tags=["users"],
        summary="Update an end user's variables",
        description='e.g. `{"variables": {"fullName": "Ada", "email": null}}`: keys are '
        f"kept as sent. {TOKEN_MAY}",
        parameters=[USER_ID, CHANNEL],
        request=EndUserUpdateInput,
        responses={200: EndUserRepresentation, **errors(413)},
    )
    def patch(self, request: Request, bot_id: str, user_id: str) -> Response:
        end_user = self.end_user(request, user_id)
        data = inputs.body(EndUserUpdateInput, request)
        end_user = services.end_user_update_variables(
            end_user=end_user, variables=data["variables"]
        )
        return Response(EndUserRepresentation(end_user).data)

    @extend_schema(
        operation_id="userErase",
        tags=["users"],
        summary="Erase an end user everywhere",
        description="The user's profile, conversations, messages, notes, handoffs and the "
        "notifications about them, and their events in the outbox (pending webhook deliveries "
        "of those are cancelled); then one `user.erased` event `{id, userId, channel}` goes to "
        "the webhooks, so external systems erase them too. An API token or a workspace admin "
        "may call this; an agent gets 403 `admin_required`. Once erased, the user is unknown "
        "(404).",
        parameters=[USER_ID, CHANNEL],
        responses={204: None, **errors()},
    )
    def delete(self, request: Request, bot_id: str, user_id: str) -> Response:
        services.end_user_erase(
            bot=self.bot,
            user_id=user_id,
            channel=self.channel(request, user_id),
            membership=self.caller.membership,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
