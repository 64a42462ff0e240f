"""The JSON shape of each resource, shared by the REST API and the event stream."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth.models import User
from django.db.models import Q
from django.utils.functional import Promise, cached_property
from djangorestframework_camel_case.util import camelize_re, underscore_to_camel
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agents.models import Membership, Team
from agents.selectors import agent_display_name

from .models import Conversation, EndUser, Handoff, Message, Note, Notification
from .permissions import (
    CONVERSATION_ACTIONS,
    HANDOFF_ACTIONS,
    conversation_actions,
    handoff_actions,
)
from .sla_state import handoff_sla
from .sla_state import has_targets as has_sla_targets

if TYPE_CHECKING:
    from .selectors import SummarizedConversation

# Keys inside these fields are the end user's or the channel's own data: never renamed.
KEPT_AS_SENT = frozenset({"attributes", "variables", "payload"})


_CONVERTED = (dict, list, tuple, Promise)


@lru_cache(maxsize=4096)
def camel_key(key: str) -> str:
    return camelize_re.sub(underscore_to_camel, key)


def to_camel(data: Any) -> Any:
    """camelCase keys, as djangorestframework-camel-case's `camelize` with `ignore_fields`, but
    each key converted once per process: it renamed every key of every row by regex, a
    large share of a handoff list page's CPU (bench/README.md, "camelCase"). Used by the API
    renderer and the outbox."""
    if isinstance(data, dict):
        renamed = {}
        for key, value in data.items():
            if isinstance(key, Promise):
                key = str(key)
            new_key = camel_key(key) if isinstance(key, str) and "_" in key else key
            # Only containers and lazy strings change: a call per plain value was half the cost.
            if isinstance(value, _CONVERTED) and not (
                key in KEPT_AS_SENT or new_key in KEPT_AS_SENT
            ):
                value = to_camel(value)
            renamed[new_key] = value
        return renamed
    if isinstance(data, list | tuple):
        return [to_camel(item) for item in data]
    if isinstance(data, Promise):
        return str(data)
    return data


def wire(representation: serializers.BaseSerializer) -> Any:
    """A representation as it travels (camelCase): what the pages, the bot connector and the
    web chat send. The API's renderer and the outbox (services.events) convert at their own
    boundary; nothing else renames keys."""
    return to_camel(representation.data)


def avatar_url(user: User) -> str | None:
    profile = getattr(user, "agent_profile", None)
    if profile is not None and profile.avatar:
        return profile.avatar.url
    return None


class AgentRepresentation(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    agent_id = serializers.IntegerField(source="pk")
    name = serializers.SerializerMethodField()
    username = serializers.CharField(source="get_username")
    avatar_url = serializers.SerializerMethodField()

    def get_name(self, user: User) -> str:
        return agent_display_name(user)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_avatar_url(self, user: User) -> str | None:
        return avatar_url(user)


# Stateless when only formatting: one instance serves every hand-written representation.
_DATETIME = serializers.DateTimeField()


# Keys as Botpress names them (`picture_url`), which the camelCase conversion leaves alone.
@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "firstname": {"type": "string"},
            "lastname": {"type": "string"},
            "picture_url": {"type": "string", "nullable": True},
        },
    }
)
class BotpressAgentAttributes(serializers.JSONField):
    pass


class AgentStatusRepresentation(AgentRepresentation):
    """An agent with availability (a Membership): the API's agents and the payload of the
    `agent.updated` event; Botpress's IAgent fields beside hitl's
    (modules/hitlnext/src/types.d.ts)."""

    email = serializers.CharField()
    attributes = BotpressAgentAttributes(help_text="Botpress's agent attributes; keys as sent.")
    online = serializers.BooleanField()
    status = serializers.ChoiceField(
        choices=["online", "busy", "offline"],
        help_text="`busy`: online, but given no new handoffs by automatic assignment.",
    )
    capacity = serializers.IntegerField(
        allow_null=True, help_text="The agent's own capacity; null: the bot's `agentCapacity`."
    )
    teams = serializers.ListField(child=serializers.CharField(), help_text="Team slugs.")
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    last_seen_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, membership: Membership) -> dict[str, Any]:
        user = membership.user
        agent = AgentRepresentation(user).data
        seen = membership.last_seen_at
        return {
            **agent,
            "email": user.email,
            "attributes": {
                "firstname": user.first_name,
                "lastname": user.last_name,
                "picture_url": agent["avatar_url"],
            },
            "online": membership.online,
            "status": membership.status,
            "capacity": membership.capacity,
            "teams": [team.slug for team in membership.teams.all()],
            "role": membership.role,
            "last_seen_at": _DATETIME.to_representation(seen) if seen else None,
        }


class MessageRepresentation(serializers.ModelSerializer):
    conversation_id = serializers.IntegerField()
    channel = serializers.CharField(source="conversation.channel")
    author = AgentRepresentation(allow_null=True)
    type = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id",
            "conversation_id",
            "channel",
            "direction",
            "type",
            "text",
            "payload",
            "author",
            "external_id",
            "delivery_status",
            "delivery_error",
            "created_at",
        ]

    def get_type(self, message: Message) -> str:
        return message.payload.get("type", "text") if message.payload else "text"

    def to_representation(self, message: Message) -> dict[str, Any]:
        # The fields above, written out: DRF built and bound eleven fields for every message
        # (bench/README.md, "The message representation"). tests/handoffs/test_representations.py
        # holds this to what the declared fields give.
        return {
            "id": message.pk,
            "conversation_id": message.conversation_id,
            "channel": message.conversation.channel,
            # str(): a message just created holds the TextChoices member.
            "direction": str(message.direction),
            "type": self.get_type(message),
            "text": message.text,
            "payload": message.payload,
            "author": (
                AgentRepresentation(message.author).data if message.author_id is not None else None
            ),
            "external_id": message.external_id,
            "delivery_status": str(message.delivery_status),
            "delivery_error": message.delivery_error,
            "created_at": _DATETIME.to_representation(message.created_at),
        }


class StoredEventBody(serializers.Serializer):
    preview = serializers.CharField()
    payload = serializers.DictField()


# Botpress's `success` of a stored event, from hitl's delivery of an outgoing message.
_SUCCESS: dict[str, bool] = {
    Message.Delivery.SENT: True,
    Message.Delivery.DELIVERED: True,
    Message.Delivery.READ: True,
    Message.Delivery.FAILED: False,
}


class MessageItemRepresentation(MessageRepresentation):
    """A message as Botpress's stored event (`sdk.IO.StoredEvent`: what HITL-next's
    `conversations/:id/messages` and a handoff's `userConversation` hold), hitl's fields beside.

    `direction` stays hitl's: Botpress's UI shows all but `incoming` on the bot's side, which
    is where agent and system messages belong. The event stream keeps the lean shape.
    """

    bot_id = serializers.CharField()
    thread_id = serializers.CharField()
    target = serializers.CharField()
    success = serializers.BooleanField(allow_null=True)
    created_on = serializers.DateTimeField()
    event = StoredEventBody()

    class Meta(MessageRepresentation.Meta):
        fields = [
            *MessageRepresentation.Meta.fields,
            "bot_id",
            "thread_id",
            "target",
            "success",
            "created_on",
            "event",
        ]

    def to_representation(self, message: Message) -> dict[str, Any]:
        item = super().to_representation(message)
        conversation = message.conversation
        payload = {"type": item["type"], **({"text": message.text} if message.text else {})}
        item.update(
            bot_id=conversation.bot.bot_id,
            thread_id=conversation.thread_id,
            target=conversation.end_user.external_id,
            success=_SUCCESS.get(message.delivery_status),
            created_on=item["created_at"],
            event={"preview": message.text, "payload": {**payload, **(message.payload or {})}},
        )
        return item


class NoteRepresentation(serializers.ModelSerializer):
    """An agent's note, with Botpress's comment fields (IComment) beside hitl's."""

    conversation_id = serializers.IntegerField()
    handoff_id = serializers.IntegerField(allow_null=True)
    author = AgentRepresentation(allow_null=True)
    agent_id = serializers.IntegerField(source="author_id", allow_null=True)
    thread_id = serializers.CharField(source="conversation.thread_id")
    content = serializers.CharField(source="text")
    # Notes are never edited: updated when created, as Botpress's comments are.
    updated_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Note
        fields = [
            "id",
            "conversation_id",
            "handoff_id",
            "author",
            "agent_id",
            "thread_id",
            "content",
            "created_at",
            "updated_at",
        ]


class EndUserRepresentation(serializers.ModelSerializer):
    id = serializers.CharField(source="external_id")
    name = serializers.CharField(source="display_name")
    attributes = serializers.JSONField(source="variables")

    class Meta:
        model = EndUser
        fields = ["id", "channel", "name", "attributes", "created_at"]


class ConversationRepresentation(serializers.ModelSerializer):
    bot_id = serializers.CharField(source="bot.bot_id")
    user_id = serializers.CharField(source="end_user.external_id")
    user = EndUserRepresentation(source="end_user")
    paused_by = AgentRepresentation(allow_null=True)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "bot_id",
            "channel",
            "user_id",
            "thread_id",
            "user",
            "paused",
            "paused_at",
            "paused_reason",
            "paused_by",
            "created_at",
            "last_message_at",
        ]


class TeamSummaryRepresentation(serializers.ModelSerializer):
    """A handoff's team."""

    class Meta:
        model = Team
        fields = ["id", "slug", "name"]


class TeamRepresentation(TeamSummaryRepresentation):
    """A team of the workspace, with its members' agent ids."""

    members = serializers.SerializerMethodField()

    class Meta(TeamSummaryRepresentation.Meta):
        fields = [*TeamSummaryRepresentation.Meta.fields, "members"]

    def get_members(self, team: Team) -> list[int]:
        return sorted(membership.user_id for membership in team.members.all())


# `allowedActions`: what the caller may do now (permissions.py), in answers to a caller and in
# the pages, never in the event stream, whose payload every agent of the workspace shares. The
# serializer's context names the caller: `viewer` (a Membership, or None for an API token), or
# `viewers` (workspace id -> Membership) for a list across workspaces.
ALLOWED_ACTIONS_HELP = "What the caller may do now; only in answers to a caller, not in events."


def _viewer(context: Mapping[str, Any], workspace_id: int) -> tuple[bool, Any]:
    """(whether a caller is named, their membership there)."""
    if "viewer" in context:
        return True, context["viewer"]
    if "viewers" in context:
        return True, context["viewers"].get(workspace_id)
    return False, None


def _without_actions_unless_viewed(
    data: dict[str, Any], context: Mapping[str, Any], workspace_id: int
) -> dict[str, Any]:
    if not _viewer(context, workspace_id)[0]:
        data.pop("allowed_actions", None)
    return data


@extend_schema_field({"type": "object", "nullable": True})
class SlaField(serializers.Field):
    """A handoff's SLA marker, derived from its own fields (sla_state.handoff_sla)."""

    def to_representation(self, handoff: Handoff) -> dict[str, Any] | None:
        return handoff_sla(handoff)


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "score": {"type": "integer", "minimum": 1, "maximum": 5},
            "comment": {"type": "string"},
            "answeredAt": {"type": "string", "format": "date-time"},
        },
    }
)
class CsatField(serializers.Field):
    """The user's satisfaction rating of a handoff (services/csat.py)."""

    def to_representation(self, handoff: Handoff) -> dict[str, Any] | None:
        if handoff.csat_score is None:
            return None
        answered_at = handoff.csat_answered_at
        return {
            "score": handoff.csat_score,
            "comment": handoff.csat_comment,
            "answered_at": _DATETIME.to_representation(answered_at) if answered_at else None,
        }


class HandoffRepresentation(serializers.ModelSerializer):
    """Botpress HITL-next's handoff shape, plus the ids this server adds."""

    bot_id = serializers.CharField(source="bot.bot_id")
    user_id = serializers.CharField(source="conversation.end_user.external_id")
    user_thread_id = serializers.CharField(source="conversation.thread_id")
    user_channel = serializers.CharField(source="conversation.channel")
    conversation_id = serializers.IntegerField()
    agent_id = serializers.IntegerField(allow_null=True)
    agent = AgentRepresentation(allow_null=True)
    tags = serializers.SerializerMethodField()
    comments = serializers.SerializerMethodField()
    user = EndUserRepresentation(source="conversation.end_user")
    user_conversation = serializers.SerializerMethodField()
    agent_thread_id = serializers.SerializerMethodField(
        help_text="Botpress's agent thread: here the conversation an assigned agent writes to "
        "(`conversations/<id>/messages`); null unless assigned."
    )
    queue_position = serializers.SerializerMethodField(
        help_text="1 for the next pending handoff to be taken; null unless pending."
    )
    allowed_actions = serializers.SerializerMethodField(help_text=ALLOWED_ACTIONS_HELP)
    team = TeamSummaryRepresentation(
        allow_null=True, help_text="The team it is routed to; null: any agent."
    )
    # Not required in the schema: present only where the bot uses the option (see below).
    sla = SlaField(
        source="*",
        required=False,
        help_text="Only for a bot with SLA targets: the most pressing running target "
        "(`state` ok, near or breached; `target`; `nearAt`; `dueAt`), null when none runs.",
    )
    csat = CsatField(
        source="*",
        required=False,
        help_text="Only once rated: the user's satisfaction score (1-5), comment and time.",
    )
    close_reason = serializers.CharField(
        required=False,
        help_text="Only when set: `outside_business_hours` for a request refused then.",
    )

    class Meta:
        model = Handoff
        fields = [
            "id",
            "bot_id",
            "status",
            "priority",
            "team",
            "user_id",
            "user_thread_id",
            "user_channel",
            "conversation_id",
            "agent_id",
            "agent",
            "tags",
            "comments",
            "user",
            "user_conversation",
            "agent_thread_id",
            "queue_position",
            "created_at",
            "updated_at",
            "assigned_at",
            "resolved_at",
            "expires_at",
            "allowed_actions",
            "sla",
            "close_reason",
            "csat",
        ]

    def to_representation(self, handoff: Handoff) -> dict[str, Any]:
        data = super().to_representation(handoff)
        # Issue 23's fields appear only where their options are used: Botpress's shape else.
        if not has_sla_targets(handoff.bot):
            data.pop("sla", None)
        if not handoff.close_reason:
            data.pop("close_reason", None)
        if data.get("csat") is None:
            data.pop("csat", None)
        return _without_actions_unless_viewed(data, self.context, handoff.bot.workspace_id)

    @extend_schema_field(
        {"type": "object", "properties": {a: {"type": "boolean"} for a in HANDOFF_ACTIONS}}
    )
    def get_allowed_actions(self, handoff: Handoff) -> dict[str, bool] | None:
        viewed, membership = _viewer(self.context, handoff.bot.workspace_id)
        return handoff_actions(handoff=handoff, membership=membership) if viewed else None

    # Selectors prefetch labels and notes into plain lists (`listed_*`): a related manager per
    # row costs more than the row. A handoff loaded alone (an event's) reads them as usual.
    def get_tags(self, handoff: Handoff) -> list[str]:
        labels = getattr(handoff, "listed_labels", None)
        if labels is None:
            labels = handoff.labels.all()
        return [label.name for label in labels]

    @extend_schema_field(NoteRepresentation(many=True))
    def get_comments(self, handoff: Handoff) -> list[dict]:
        notes = getattr(handoff.conversation, "listed_notes", None)
        if notes is None:
            notes = handoff.conversation.notes.all()
        return self._note_representation.to_representation(notes)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_queue_position(self, handoff: Handoff) -> int | None:
        if handoff.status != Handoff.Status.PENDING:
            return None
        ahead = getattr(handoff, "queue_ahead", None)
        if ahead is None:
            # Not annotated (an event payload): count the handoffs ahead.
            ahead = (
                # The queue's order: priority (queue_rank), then age.
                Handoff.objects.filter(bot_id=handoff.bot_id, status=Handoff.Status.PENDING)
                .filter(
                    Q(queue_rank__lt=handoff.queue_rank)
                    | Q(queue_rank=handoff.queue_rank, created_at__lt=handoff.created_at)
                    | Q(
                        queue_rank=handoff.queue_rank,
                        created_at=handoff.created_at,
                        id__lt=handoff.id,
                    )
                )
                .count()
            )
        return ahead + 1

    # A message item (the shape of `conversations/<id>/messages`), or `{}`.
    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_user_conversation(self, handoff: Handoff) -> dict:
        """The user's last message as a stored event; `{}` without one, as Botpress's is."""
        message = handoff.conversation.last_user_message
        if message is None:
            return {}
        # Its conversation and bot are this handoff's, loaded already: no query per row.
        conversation = handoff.conversation
        conversation.bot = handoff.bot
        message.conversation = conversation
        return MessageItemRepresentation().to_representation(message)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_agent_thread_id(self, handoff: Handoff) -> str | None:
        return str(handoff.conversation_id) if handoff.status == Handoff.Status.ASSIGNED else None

    # One for every row of a list: building a serializer's fields costs more than using them.
    @cached_property
    def _note_representation(self) -> serializers.ListSerializer:
        # many=True makes a ListSerializer (BaseSerializer.__new__); the stubs say the class.
        return cast(serializers.ListSerializer, NoteRepresentation(many=True))


class NotificationRepresentation(serializers.ModelSerializer):
    """One agent's notification: the API's item and the `notification.created` payload."""

    bot_id = serializers.CharField(source="bot.bot_id", allow_null=True, default=None)
    conversation_id = serializers.IntegerField(allow_null=True)
    handoff_id = serializers.IntegerField(allow_null=True)
    read = serializers.BooleanField(source="is_read")

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "level",
            "message",
            "link",
            "bot_id",
            "conversation_id",
            "handoff_id",
            "read",
            "read_at",
            "created_at",
        ]


class OpenHandoffRepresentation(serializers.ModelSerializer):
    """The few fields of a conversation's open handoff that a conversation list shows."""

    agent_id = serializers.IntegerField(allow_null=True)
    agent = AgentRepresentation(allow_null=True)

    class Meta:
        model = Handoff
        fields = ["id", "status", "agent_id", "agent", "created_at"]


class ConversationSummaryRepresentation(ConversationRepresentation):
    """A conversation in a list: with its last message and its open handoff, if any.

    Reads `last_messages` and `open_handoffs`, which `conversation_queryset` prefetches.
    """

    last_message = serializers.SerializerMethodField()
    open_handoff = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField(help_text=ALLOWED_ACTIONS_HELP)

    class Meta(ConversationRepresentation.Meta):
        fields = [
            *ConversationRepresentation.Meta.fields,
            "last_message",
            "open_handoff",
            "allowed_actions",
        ]

    def to_representation(self, conversation: Conversation) -> dict[str, Any]:
        data = super().to_representation(conversation)
        return _without_actions_unless_viewed(data, self.context, conversation.bot.workspace_id)

    @extend_schema_field(
        {"type": "object", "properties": {a: {"type": "boolean"} for a in CONVERSATION_ACTIONS}}
    )
    def get_allowed_actions(self, conversation: SummarizedConversation) -> dict[str, bool] | None:
        viewed, membership = _viewer(self.context, conversation.bot.workspace_id)
        if not viewed:
            return None
        handoffs = conversation.open_handoffs
        return conversation_actions(
            conversation=conversation,
            open_handoff=handoffs[0] if handoffs else None,
            membership=membership,
        )

    @extend_schema_field(MessageRepresentation(allow_null=True))
    def get_last_message(self, conversation: SummarizedConversation) -> dict | None:
        messages = conversation.last_messages
        return MessageRepresentation(messages[0]).data if messages else None

    @extend_schema_field(OpenHandoffRepresentation(allow_null=True))
    def get_open_handoff(self, conversation: SummarizedConversation) -> dict | None:
        handoffs = conversation.open_handoffs
        return OpenHandoffRepresentation(handoffs[0]).data if handoffs else None
