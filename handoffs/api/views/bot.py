"""What agents and bots ask about a bot: its settings, and whether anyone is there."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ...models import Bot, Label, MessageTemplate
from ...selectors import bot_availability, bot_config
from ..access import BotApiView
from ..schema import TOKEN_MAY, errors


class LabelRepresentation(serializers.ModelSerializer):
    class Meta:
        model = Label
        fields = ["name", "color"]


class ChoiceRepresentation(serializers.Serializer):
    title = serializers.CharField()
    value = serializers.CharField()


class TemplateRepresentation(serializers.ModelSerializer):
    choices = ChoiceRepresentation(
        source="choice_list",
        many=True,
        read_only=True,
        help_text="Quick replies sent with the text (a `quick_reply` payload's `choices`).",
    )

    class Meta:
        model = MessageTemplate
        fields = ["name", "text", "choices"]


class ShortcutRepresentation(serializers.Serializer):
    name = serializers.CharField()
    value = serializers.CharField()


class AutoCompleteRepresentation(serializers.Serializer):
    trigger = serializers.CharField()
    shortcuts = ShortcutRepresentation(many=True)


class BotConfigRepresentation(serializers.ModelSerializer):
    """The settings agents' clients need; Botpress's `tags` and `autoComplete` included."""

    handoff_timeout = serializers.SerializerMethodField(
        help_text="Seconds; null: pending handoffs never expire."
    )
    agent_session_timeout = serializers.SerializerMethodField(
        help_text="Seconds of silence before an agent goes offline."
    )
    labels = LabelRepresentation(many=True)
    templates = TemplateRepresentation(many=True)
    tags = serializers.SerializerMethodField()
    auto_complete = serializers.SerializerMethodField()

    class Meta:
        model = Bot
        fields = [
            "bot_id",
            "name",
            "default_language",
            "transfer_message",
            "assign_message",
            "resolve_message",
            "expire_message",
            "template_trigger",
            "auto_assign",
            "agent_capacity",
            "handoff_timeout",
            "agent_session_timeout",
            "handoff_alert",
            "message_count",
            "default_username",
            "enable_conversation_deletion",
            "labels",
            "templates",
            "tags",
            "auto_complete",
        ]

    # Durations as whole seconds, which every client can compute with.
    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_handoff_timeout(self, bot: Bot) -> int | None:
        timeout = bot.handoff_timeout
        return int(timeout.total_seconds()) if timeout is not None else None

    @extend_schema_field(serializers.IntegerField())
    def get_agent_session_timeout(self, bot: Bot) -> int:
        return int(bot.agent_session_timeout.total_seconds())

    def get_tags(self, bot: Bot) -> list[str]:
        return [label.name for label in bot.labels.all()]

    @extend_schema_field(AutoCompleteRepresentation)
    def get_auto_complete(self, bot: Bot) -> dict[str, Any]:
        shortcuts = [{"name": t.name, "value": t.text} for t in bot.templates.all()]
        return {"trigger": bot.template_trigger, "shortcuts": shortcuts}


class AvailabilityRepresentation(serializers.Serializer):
    available = serializers.BooleanField(help_text="At least one agent is online.")
    online_agents = serializers.IntegerField()
    queue_length = serializers.IntegerField(help_text="Pending handoffs of this bot.")
    open = serializers.BooleanField(
        help_text="Within the bot's business hours (always true without a schedule)."
    )
    next_opening = serializers.DateTimeField(
        allow_null=True, help_text="When closed, the next opening (UTC); null when open."
    )


class BotConfigApi(BotApiView):
    @extend_schema(
        operation_id="botConfig",
        tags=["bot"],
        summary="The bot's settings for agents",
        description="Messages per language, template trigger and templates, labels, timeouts "
        f"(in seconds), alert delay (minutes), history length. {TOKEN_MAY}",
        responses={200: BotConfigRepresentation, **errors()},
    )
    def get(self, request: Request, bot_id: str) -> Response:
        return Response(BotConfigRepresentation(bot_config(bot=self.bot)).data)


class AvailabilityApi(BotApiView):
    @extend_schema(
        operation_id="availability",
        tags=["bot"],
        summary="Are agents online, and how long is the queue",
        description="For a bot deciding whether to hand off at all (the 'no agent' branch). "
        f"{TOKEN_MAY}",
        responses={200: AvailabilityRepresentation, **errors()},
    )
    def get(self, request: Request, bot_id: str) -> Response:
        return Response(AvailabilityRepresentation(bot_availability(bot=self.bot)).data)
