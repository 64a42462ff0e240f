"""Botpress's legacy HITL module, every route of modules/hitl/src/backend/api.ts: sessions
(our conversations) listed and read, a message to the user, paused or not, pause and unpause
by session or by channel and user (and thread)."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ... import services
from ...legacy_representations import legacy_message, legacy_session
from ...models import Conversation
from ...representations import ConversationRepresentation
from ...selectors import (
    LEGACY_SESSION_LIMIT,
    conversation_get,
    conversation_of_user,
    legacy_session_list,
    message_list,
)
from .. import inputs
from ..access import BotApiView
from ..schema import AGENT_ONLY, USER_ID, errors, path_string

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
    thread_id = serializers.CharField(max_length=200, required=False, allow_blank=True)


class SessionListQuery(serializers.Serializer):
    # Botpress's router reads `pausedOnly`; its UI's client sent `onlyPaused`: either works.
    paused_only = serializers.BooleanField(required=False, default=False)
    only_paused = serializers.BooleanField(required=False, default=False)
    search_text = serializers.CharField(required=False, max_length=200)


class SessionMessageInput(serializers.Serializer):
    message = serializers.CharField(max_length=10_000, trim_whitespace=False)


def botpress_json(data: object) -> JsonResponse:
    """Botpress's exact keys (snake_case ones too): not through the camelCase renderer."""
    return JsonResponse(data, safe=False)


def channel_user(kwargs: dict, request: Request) -> dict:
    """The path's channel and user, and the `threadId` query parameter when given."""
    thread = request.query_params.get("threadId")
    path = ChannelUserPath(data={**kwargs, **({"thread_id": thread} if thread is not None else {})})
    path.is_valid(raise_exception=True)
    return path.validated_data


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
        return services.conversation_for_user(bot=self.bot, **channel_user(kwargs, self.request))


LIST_OF_OBJECTS = {"type": "array", "items": {"type": "object"}}
THREAD_ID = OpenApiParameter(
    "threadId", str, description="That thread of the user's; without it, their latest one."
)


def _schema(operation_id: str, summary: str, description: str, by_user: bool = False):
    return extend_schema_view(
        post=extend_schema(
            operation_id=operation_id,
            parameters=[path_string("channel", max_length=40), USER_ID, THREAD_ID]
            if by_user
            else [],
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


class SessionListApi(BotApiView):
    @extend_schema(
        operation_id="sessionList",
        tags=["legacy hitl"],
        summary="List sessions",
        description="Conversations with messages, latest activity first, at most "
        f"{LEGACY_SESSION_LIMIT}, in Botpress's session shape (keys as Botpress writes them). "
        "`searchText` matches the user's name or id (and message text). "
        f"{BOTH.removesuffix(' No body.')}",
        parameters=[
            OpenApiParameter("pausedOnly", bool, description="Only paused sessions."),
            OpenApiParameter("onlyPaused", bool, description="The same."),
            OpenApiParameter("searchText", str),
        ],
        responses={200: LIST_OF_OBJECTS, **errors()},
    )
    def get(self, request: Request, bot_id: str) -> JsonResponse:
        params = inputs.query(SessionListQuery, request)
        sessions = legacy_session_list(
            bot=self.bot,
            paused_only=params["paused_only"] or params["only_paused"],
            search=params.get("search_text"),
        )
        return botpress_json([legacy_session(conversation) for conversation in sessions])


class SessionMessagesApi(BotApiView):
    @extend_schema(
        operation_id="sessionMessages",
        tags=["legacy hitl"],
        summary="A session's messages",
        description="The last 100, oldest first, as Botpress's `hitl_messages` rows. "
        f"{BOTH.removesuffix(' No body.')}",
        responses={200: LIST_OF_OBJECTS, **errors()},
    )
    def get(self, request: Request, bot_id: str, conversation_id: int) -> JsonResponse:
        conversation = conversation_get(bot=self.bot, conversation_id=conversation_id)
        messages = message_list(conversation=conversation, limit=LEGACY_SESSION_LIMIT)
        return botpress_json([legacy_message(message) for message in messages])


class SessionSendApi(BotApiView):
    @extend_schema(
        operation_id="sessionSendMessage",
        tags=["legacy hitl"],
        summary="Write to the session's user",
        description="`message` is sent as the calling agent, with the rules of writing to a "
        f"conversation. Answers `OK`, as Botpress does. {AGENT_ONLY}",
        request=SessionMessageInput,
        responses={(200, "text/plain"): OpenApiTypes.STR, **errors(413)},
    )
    def post(self, request: Request, bot_id: str, conversation_id: int) -> HttpResponse:
        conversation = conversation_get(bot=self.bot, conversation_id=conversation_id)
        agent = self.agent()
        data = inputs.body(SessionMessageInput, request)
        services.message_send_agent(conversation=conversation, agent=agent, text=data["message"])
        return HttpResponse("OK", content_type="text/plain; charset=utf-8")


class SessionIsPausedApi(BotApiView):
    @extend_schema(
        operation_id="sessionIsPaused",
        tags=["legacy hitl"],
        summary="Is the session paused",
        description=f"`true` or `false`. {BOTH}",
        request=None,
        responses={200: OpenApiTypes.BOOL, **errors()},
    )
    def post(self, request: Request, bot_id: str, conversation_id: int) -> JsonResponse:
        conversation = conversation_get(bot=self.bot, conversation_id=conversation_id)
        return botpress_json(conversation.paused)


class UserIsPausedApi(BotApiView):
    @extend_schema(
        operation_id="userIsPaused",
        tags=["legacy hitl"],
        summary="Is the user paused",
        description="`true` or `false` for the user's conversation on `threadId`, or their "
        f"latest one; `false` for a user never seen (nothing is created). {BOTH}",
        parameters=[path_string("channel", max_length=40), USER_ID, THREAD_ID],
        request=None,
        responses={200: OpenApiTypes.BOOL, **errors()},
    )
    def post(self, request: Request, bot_id: str, channel: str, user_id: str) -> JsonResponse:
        found = conversation_of_user(
            bot=self.bot, **channel_user({"channel": channel, "user_id": user_id}, request)
        )
        return botpress_json(bool(found and found.paused))
