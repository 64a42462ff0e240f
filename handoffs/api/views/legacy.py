"""Botpress's legacy HITL module: pause and unpause the bot for a session or a user."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ... import services
from ...models import Conversation
from ...representations import ConversationRepresentation
from ...selectors import conversation_get
from ..access import BotApiView
from ..schema import USER_ID, errors, path_string

PAUSE = "Stops the bot for the user: their messages go to the agents."
UNPAUSE = "Hands the user back to the bot; an open handoff is closed as resolved."
BOTH = "An API token or an agent's session may call this. No body."
BY_USER = (
    "The user is found by channel and id, and created with a conversation if new; without a "
    "thread the user's most recent conversation is meant."
)


class ChannelUserPath(serializers.Serializer):
    channel = serializers.CharField(max_length=40)
    user_id = serializers.CharField(max_length=200)


class LegacyApi(BotApiView):
    pause: bool

    def conversation(self, kwargs: dict) -> Conversation:
        raise NotImplementedError

    def post(self, request: Request, bot_id: str, **kwargs: str | int) -> Response:
        conversation = self.conversation(kwargs)
        if self.pause:
            services.conversation_pause(
                conversation=conversation, actor=self.caller.user, reason="paused through the API"
            )
        else:
            services.conversation_unpause(conversation=conversation, actor=self.caller.user)
        conversation = conversation_get(bot=self.bot, conversation_id=conversation.pk)
        return Response(ConversationRepresentation(conversation).data)


class SessionLegacyApi(LegacyApi):
    def conversation(self, kwargs: dict) -> Conversation:
        return conversation_get(bot=self.bot, conversation_id=kwargs["conversation_id"])


class ChannelUserLegacyApi(LegacyApi):
    def conversation(self, kwargs: dict) -> Conversation:
        path = ChannelUserPath(data=kwargs)
        path.is_valid(raise_exception=True)
        return services.conversation_for_user(
            bot=self.bot,
            channel=path.validated_data["channel"],
            user_id=path.validated_data["user_id"],
        )


def _schema(operation_id: str, summary: str, description: str, by_user: bool = False):  # noqa: ANN202
    return extend_schema_view(
        post=extend_schema(
            operation_id=operation_id,
            parameters=[path_string("channel", max_length=40), USER_ID] if by_user else [],
            tags=["legacy hitl"],
            summary=summary,
            description=f"{description} {BOTH}",
            request=None,
            responses={200: ConversationRepresentation, **errors()},
        )
    )


@_schema("sessionPause", "Pause a session", f"`<id>` is the conversation's id. {PAUSE}")
class SessionPauseApi(SessionLegacyApi):
    pause = True


@_schema("sessionUnpause", "Unpause a session", f"`<id>` is the conversation's id. {UNPAUSE}")
class SessionUnpauseApi(SessionLegacyApi):
    pause = False


@_schema("userPause", "Pause a user", f"{PAUSE} {BY_USER}", by_user=True)
class UserPauseApi(ChannelUserLegacyApi):
    pause = True


@_schema("userUnpause", "Unpause a user", f"{UNPAUSE} {BY_USER}", by_user=True)
class UserUnpauseApi(ChannelUserLegacyApi):
    pause = False
