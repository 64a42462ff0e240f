"""Registries of what leaves hitl: senders per delivery kind, derivers that turn an event into
deliveries in its transaction, and listeners on committed events. Adapters register here;
handoffs never imports them (docs/delivery.md)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

    from .models import Bot, Conversation, Delivery, Event

logger = logging.getLogger(__name__)

# Messages that must reach the end user through their channel.
TO_USER_DIRECTIONS = frozenset({"outgoing", "agent", "system"})


@dataclass(frozen=True)
class Outcome:
    """What one attempt of a delivery came to."""

    ok: bool
    status_code: int | None = None
    response: str = ""
    error: str = ""
    # Refused for good (a 4xx that no retry changes): dead at once.
    final: bool = False
    # Seconds the receiver asked us to wait before trying again (Telegram's 429
    # `parameters.retry_after`): the retry comes no sooner, whatever the backoff says.
    retry_after: float | None = None


# Sends one delivery; a raised exception counts as a failed attempt.
Sender = Callable[["Delivery", "httpx.Client"], Outcome]
# Told when a delivery is given up (dead), e.g. to show a message as failed.
DeadHook = Callable[["Delivery"], None]
# Writes the deliveries an event causes, in the event's transaction.
Deriver = Callable[["Event", "Bot | None"], None]
Listener = Callable[["Event"], None]
# Refuses (raises ApplicationError) an agent's message its channel would not take now, before
# anything is stored (WhatsApp's 24-hour window).
SendCheck = Callable[["Conversation", str, "dict | None"], None]


@dataclass(frozen=True)
class Kind:
    send: Sender
    on_dead: DeadHook | None = None


_kinds: dict[str, Kind] = {}
_channels: set[str] = set()
_derivers: list[Deriver] = []
_listeners: list[Listener] = []
_send_checks: dict[str, SendCheck] = {}


def register_sender(kind: str, send: Sender, *, on_dead: DeadHook | None = None) -> None:
    _kinds[kind] = Kind(send=send, on_dead=on_dead)


def kind_for(kind: str) -> Kind | None:
    return _kinds.get(kind)


def register(channel: str, send: Sender, *, on_dead: DeadHook | None = None) -> None:
    """A channel we push messages to ourselves (Messenger): its deliveries are of its kind."""
    _channels.add(channel)
    register_sender(channel, send, on_dead=on_dead)


def sender_for(channel: str) -> Sender | None:
    kind = _kinds.get(channel) if channel in _channels else None
    return kind.send if kind else None


def pushes_to(channel: str) -> bool:
    """Whether we send messages to this channel's users ourselves (Messenger), rather than the
    user's side reading the event stream (the web chat, a bot platform on the API)."""
    return channel in _channels


def register_deriver(deriver: Deriver) -> None:
    if deriver not in _derivers:
        _derivers.append(deriver)


def derive(event: Event, bot: Bot | None) -> None:
    """In the event's transaction: a failing deriver fails the change, so no effect is lost."""
    for deriver in _derivers:
        deriver(event, bot)


def register_listener(listener: Listener) -> None:
    """Hear every committed event, in-process and best effort (the demo bot); whatever must
    leave hitl is a deriver's delivery instead."""
    if listener not in _listeners:
        _listeners.append(listener)


def notify_listeners(event: Event) -> None:
    for listener in list(_listeners):
        try:
            listener(event)
        except Exception:
            # One failing listener must not stop the others, nor the request that committed.
            logger.exception("listener %r failed on event %s", listener, event.id)


def register_send_check(channel: str, check: SendCheck) -> None:
    _send_checks[channel] = check


def check_send(conversation: Conversation, text: str, payload: dict | None) -> None:
    """Before an agent's message is stored: its channel may refuse it (a 4xx for the agent)."""
    check = _send_checks.get(conversation.channel)
    if check is not None:
        check(conversation, text, payload)
