from .bots import Bot, Label, MessageTemplate
from .conversations import Conversation, EndUser, Message, Note
from .events import Event
from .handoffs import Handoff
from .imports import BotpressImport as BotpressImport
from .notifications import Notification
from .webhooks import WebhookDelivery, WebhookEndpoint
from .workers import WorkerPass

__all__ = [
    "Bot",
    "Conversation",
    "EndUser",
    "Event",
    "Handoff",
    "Label",
    "Message",
    "MessageTemplate",
    "Note",
    "Notification",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WorkerPass",
]
