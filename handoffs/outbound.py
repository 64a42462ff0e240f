"""Registry of outbound senders and event listeners: adapters register here, handoffs never
imports them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from .models import Event

logger = logging.getLogger(__name__)

# Sends a committed bot, agent or system message to the user's channel: (message id, when it
# was handed out: None the first time, after commit; the sweep's stamp when it is sent again).
Sender = Callable[[int, "datetime | None"], None]
_senders: dict[str, Sender] = {}
Listener = Callable[[Event], None]
_listeners: list[Listener] = []

# Messages that must reach the end user through their channel.
TO_USER_DIRECTIONS = frozenset({"outgoing", "agent", "system"})


def register(channel: str, sender: Sender) -> None:
    _senders[channel] = sender


def sender_for(channel: str) -> Sender | None:
    return _senders.get(channel)


def pushes_to(channel: str) -> bool:
    """Whether we send messages to this channel's users ourselves (Messenger), rather than the
    user's side reading the event stream (the web chat, a bot platform on the API)."""
    return channel in _senders


def register_listener(listener: Listener) -> None:
    """Hear every committed event (the bot connector learns that handoffs ended)."""
    if listener not in _listeners:
        _listeners.append(listener)


def notify_listeners(event: Event) -> None:
    for listener in list(_listeners):
        try:
            listener(event)
        except Exception:
            # One failing listener must not stop the others, nor the request that committed.
            logger.exception("listener %r failed on event %s", listener, event.id)


def deliver(event: Event) -> None:
    """A new message that its service marked `pending` goes to its channel's sender."""
    if event.type != "message.created":
        return
    payload = event.payload
    if payload.get("deliveryStatus") != "pending":
        return
    send(channel=payload.get("channel", ""), message_id=payload["id"], handed_at=None)


def send(*, channel: str, message_id: int, handed_at: datetime | None) -> None:
    sender = _senders.get(channel)
    if sender is None:
        return
    try:
        sender(message_id, handed_at)
    except Exception:
        # The message stays pending: the sweep sends it again later.
        logger.exception("outbound delivery of message %s failed", message_id)
