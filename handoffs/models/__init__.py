from .attachments import Attachment
from .bots import Bot, Label, MessageTemplate
from .conversations import Conversation, EndUser, Message, Note
from .deliveries import Delivery, DeliveryDestination
from .events import Event
from .handoffs import Handoff
from .imports import BotpressImport as BotpressImport
from .notifications import Notification
from .queue_notices import QueueNotice
from .schedules import BusinessHours, Holiday
from .sla import SlaBreach
from .teams import TeamRule
from .webhooks import WebhookEndpoint
from .workers import WorkerPass

__all__ = [
    "Attachment",
    "Bot",
    "BusinessHours",
    "Holiday",
    "QueueNotice",
    "SlaBreach",
    "Conversation",
    "Delivery",
    "DeliveryDestination",
    "EndUser",
    "Event",
    "Handoff",
    "Label",
    "Message",
    "MessageTemplate",
    "Note",
    "Notification",
    "TeamRule",
    "WebhookEndpoint",
    "WorkerPass",
]
