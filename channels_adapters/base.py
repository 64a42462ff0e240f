"""What a channel adapter is, and how it plugs into the outbound registry that handoffs owns.

An adapter is one module with `CHANNEL` (the name stored on end users and conversations) and
`send(delivery, client)`, the delivery engine's sender of a bot, agent or system message to the
user (with `on_dead`, told when it is given up), or `send = None` when the user's side reads the
event stream itself; its inbound side (a view or a
consumer) turns the channel's traffic into `services.inbound_receive(...)`. Adding a channel is
adding one module and listing it in `adapters()` below.
"""

from __future__ import annotations

from typing import Protocol

from handoffs import outbound
from handoffs.models import Delivery, Message


class Adapter(Protocol):
    # Read-only members: a module's `send = None` or `def send` matches the union.
    @property
    def CHANNEL(self) -> str: ...

    @property
    def send(self) -> outbound.Sender | None: ...

    @property
    def on_dead(self) -> outbound.DeadHook | None: ...


def adapters() -> list[Adapter]:
    from . import api, messenger, telegram, web, whatsapp

    return [web, messenger, api, telegram, whatsapp]


def register_all() -> None:
    """Called once from the app's ready(): handoffs looks senders up by channel."""
    for adapter in adapters():
        if adapter.send is not None:
            outbound.register(adapter.CHANNEL, adapter.send, on_dead=adapter.on_dead)


def message_to_send(delivery: Delivery) -> Message | None:
    """The user-facing message a channel's delivery sends, with its conversation's bot and user;
    None when it was erased meanwhile or its outcome is recorded already (nothing left to send)."""
    message = (
        Message.objects.select_related("conversation__end_user", "conversation__bot")
        .filter(pk=delivery.payload.get("messageId"))
        .first()
    )
    if message is None or message.delivery_status != Message.Delivery.PENDING:
        return None
    return message
