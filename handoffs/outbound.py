"""Registry of outbound senders and event listeners: adapters register here, handoffs never
imports them."""

from __future__ import annotations

import logging
from collections.abc import Callable

from .models import Event

logger = logging.getLogger(__name__)

Sender = Callable[[Event], None]
_senders: dict[str, Sender] = {}
Listener = Callable[[Event], None]
_listeners: list[Listener] = []

# Messages that must reach the end user through their channel.
TO_USER_DIRECTIONS = frozenset({"outgoing", "agent", "system"})


def register(channel: str, sender: Sender) -> None:
    _senders[channel] = sender


def sender_for(channel: str) -> Sender | None:
    return _senders.get(channel)


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
    if event.type != "message.created":
        return
    payload = event.payload
    if payload.get("direction") not in TO_USER_DIRECTIONS:
        return
    sender = _senders.get(payload.get("channel", ""))
    if sender is None:
        return
    try:
        sender(event)
    except Exception:
        logger.exception("outbound delivery of event %s failed", event.id)
