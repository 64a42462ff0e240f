"""The calling agent's notifications, and notices that bots and external systems send them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from agents.errors import Forbidden

from ... import services
from ...models import Notification
from ...representations import NotificationRepresentation
from ...selectors import notification_list, notification_unread_count
from ...services.notifications import MAX_LINK_LENGTH, MAX_MARK_IDS, MAX_MESSAGE_LENGTH
from .. import cursors, inputs
from ..access import BotApiView
from ..pagination import DEFAULT_LIMIT, MAX_LIMIT
from ..schema import AGENT_ONLY, errors, page_parameters


class NotificationListQuery(serializers.Serializer):
    unread = serializers.BooleanField(required=False)
    cursor = serializers.CharField(required=False, max_length=100)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT)


class NotificationCreateInput(serializers.Serializer):
    message = serializers.CharField(max_length=MAX_MESSAGE_LENGTH)
    level = serializers.ChoiceField(
        choices=Notification.Level.choices, default=Notification.Level.INFO
    )
    link = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=MAX_LINK_LENGTH,
        help_text="An http(s) URL or a path on this server (`/workspace/...`).",
    )


class NotificationReadInput(serializers.Serializer):
    ids = serializers.ListField(child=inputs.id_field(), required=False, max_length=MAX_MARK_IDS)
    all = serializers.BooleanField(required=False, help_text="`true`: every unread one.")

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if ("ids" in data) == bool(data.get("all")):
            raise serializers.ValidationError("Send either `ids` or `all: true`.")
        return data


class NotificationPageRepresentation(serializers.Serializer):
    unread_count = serializers.IntegerField(help_text="All unread ones, not only this page's.")
    notifications = NotificationRepresentation(many=True)


class NotificationCreatedRepresentation(serializers.Serializer):
    recipients = serializers.IntegerField(help_text="How many agents got it.")
    message = serializers.CharField()
    level = serializers.ChoiceField(choices=Notification.Level.choices)
    link = serializers.CharField()


class NotificationsReadRepresentation(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many were unread until now.")
    unread_count = serializers.IntegerField()


class NotificationListCreateApi(BotApiView):
    @extend_schema(
        operation_id="notificationList",
        tags=["notifications"],
        summary="My notifications",
        description="The calling agent's notifications in this bot's workspace, newest first, "
        "with the number of unread ones: new handoffs, handoffs assigned or transferred to "
        "them, users writing in conversations they hold, handoffs about to expire, and notices "
        'from bots. The next page\'s URL is in the `Link` header (`rel="next"`). '
        f"{AGENT_ONLY}",
        parameters=[
            OpenApiParameter("unread", bool, description="Only the unread ones."),
            *page_parameters(max_limit=MAX_LIMIT, default_limit=DEFAULT_LIMIT),
        ],
        responses={200: NotificationPageRepresentation, **errors()},
    )
    def get(self, request: Request, bot_id: str) -> Response:
        agent = self.agent()
        params = inputs.query(NotificationListQuery, request)
        workspace_ids = [self.bot.workspace_id]
        notifications = notification_list(
            user=agent, workspace_ids=workspace_ids, unread_only=params.get("unread", False)
        )
        if params.get("cursor"):
            (last_id,) = cursors.decode(params["cursor"], parts=1)
            notifications = notifications.filter(id__lt=cursors.position_id(last_id))
        limit = params.get("limit", DEFAULT_LIMIT)
        page = list(notifications[: limit + 1])
        body = {
            "unread_count": notification_unread_count(user=agent, workspace_ids=workspace_ids),
            "notifications": NotificationRepresentation(page[:limit], many=True).data,
        }
        response = Response(body)
        if len(page) > limit:
            response["Link"] = cursors.next_link(request, cursors.encode(str(page[limit - 1].pk)))
        return response

    @extend_schema(
        operation_id="notificationCreate",
        tags=["notifications"],
        summary="Notify the workspace's agents",
        description="Botpress's `bp.notifications.create`: a message, a level and a link, shown "
        "in the bell of every member of the bot's workspace. An API token (the bot or an "
        "external system) or a workspace admin may call this; an agent gets 403.",
        request=NotificationCreateInput,
        responses={
            201: OpenApiResponse(NotificationCreatedRepresentation, description="Sent."),
            **errors(),
        },
    )
    def post(self, request: Request, bot_id: str) -> Response:
        membership = self.caller.membership
        if membership is not None and not membership.is_admin:
            raise Forbidden(
                "Only a bot (an API token) or a workspace admin can notify the agents.",
                code="admin_required",
            )
        data = inputs.body(NotificationCreateInput, request)
        created = services.notification_create_custom(
            bot=self.bot, message=data["message"], level=data["level"], link=data["link"]
        )
        body = {
            "recipients": len(created),
            "message": data["message"].strip(),
            "level": data["level"],
            "link": data["link"].strip(),
        }
        return Response(body, status=status.HTTP_201_CREATED)


class NotificationReadApi(BotApiView):
    @extend_schema(
        operation_id="notificationMarkRead",
        tags=["notifications"],
        summary="Mark my notifications read",
        description='`{"ids": [...]}` or `{"all": true}`. Only the caller\'s own '
        f"notifications change; other ids are ignored. {AGENT_ONLY}",
        request=NotificationReadInput,
        responses={200: NotificationsReadRepresentation, **errors()},
    )
    def post(self, request: Request, bot_id: str) -> Response:
        agent = self.agent()
        data = inputs.body(NotificationReadInput, request)
        workspace_id = self.bot.workspace_id
        marked = services.notification_mark_read(
            user=agent,
            workspace_id=workspace_id,
            ids=data.get("ids"),
            all=bool(data.get("all")),
        )
        unread = notification_unread_count(user=agent, workspace_ids=[workspace_id])
        return Response({"marked": marked, "unread_count": unread})
