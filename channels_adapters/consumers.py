"""The visitor's WebSocket: translates between the web chat and services, nothing more."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async as db
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from agents.errors import ApplicationError, NotFound
from agents.json_input import loads_safely
from agents.limits import RateLimited
from handoffs import metrics
from handoffs.realtime import publisher
from handoffs.realtime.consumers import MAX_FRAME_CHARS as MAX_EVENT_CHARS
from handoffs.realtime.consumers import OwnConnectionChecks

from . import services, web

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_MANY = 4429
# Larger than any valid message (text limit plus a small payload), far below daphne's limit.
MAX_FRAME_CHARS = 64 * 1024

# This process's open web-chat sockets by visitor and by address (WEBCHAT_SOCKETS_PER_*): one
# visitor token held 2,000 sockets before. Per process: N processes allow N times as many.
_open_by_visitor: Counter[str] = Counter()
_open_by_ip: Counter[str] = Counter()


class WebChatConsumer(OwnConnectionChecks, AsyncJsonWebsocketConsumer):
    """`/ws/chat/<bot_id>/?token=<signed visitor id>[&after=<message id>]`.

    The signed id names one end user of one bot, and it is the only key: the socket joins that
    user's `enduser-<conversation>` group and reads that conversation's history, nothing else.
    On connect it sends the history (after `after`, when reconnecting); then every message of
    the conversation live, and the agent's typing.
    """

    async def connect(self) -> None:
        self.group: str | None = None
        self.conversation_id: int | None = None
        self.held: tuple[str, str] | None = None
        client = self.scope.get("client") or ("",)
        self.client_ip = str(client[0])
        # Accept first: a close before accept is an HTTP 403 and the client never sees the code.
        await self.accept()
        try:
            visitor = await db(services.web_socket_visitor)(
                bot_id=self.scope["url_route"]["kwargs"]["bot_id"],
                token=_query(self.scope, "token"),
                client_ip=self.client_ip,
            )
        except RateLimited:
            await self.close(code=CLOSE_TOO_MANY)
            return
        except NotFound:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        except ApplicationError:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        # The bot's key, not its row: ten thousand sockets kept ten thousand copies, and each
        # message reads the bot's settings as they are now (web_socket_admit).
        self.bot_pk, self.user_id = visitor.bot.pk, visitor.user_id
        visitor_key = f"{visitor.bot.pk}:{self.user_id}"
        if (
            _open_by_visitor[visitor_key] >= settings.WEBCHAT_SOCKETS_PER_VISITOR
            or _open_by_ip[self.client_ip] >= settings.WEBCHAT_SOCKETS_PER_IP
        ):
            await self.close(code=CLOSE_TOO_MANY)
            return
        _open_by_visitor[visitor_key] += 1
        _open_by_ip[self.client_ip] += 1
        self.held = (visitor_key, self.client_ip)
        metrics.SOCKETS.labels("webchat").inc()
        self.counted = True
        if visitor.conversation is not None:
            # Joined before reading the history, so nothing committed meanwhile is missed.
            await self._join(visitor.conversation.pk)
        history = await db(services.web_history)(
            conversation=visitor.conversation, after=_int(_query(self.scope, "after"))
        )
        await self.send_json(
            {"type": "history", "messages": [web.public_message(m) for m in history]}
        )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None or len(text_data) > MAX_FRAME_CHARS:
            await self._error("Send JSON text frames of at most 64 KB.", code="frame_too_large")
            return
        try:
            content = loads_safely(text_data)
        except ValueError as error:
            await self._error(f"Malformed JSON: {error}", code="invalid_json")
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "message":
            await self._message(content)
        else:
            await self._error(f"Unknown message type {kind!r}.", code="unknown_type")

    async def _message(self, content: dict[str, Any]) -> None:
        client_id = content.get("clientMessageId")
        fields = {
            "text": content.get("text", ""),
            "payload": content.get("payload"),
            "client_message_id": client_id,
        }
        try:
            services.web_check(**fields)
            bot = await db(services.web_socket_admit)(
                bot_pk=self.bot_pk,
                user_id=self.user_id,
                client_ip=self.client_ip,
                first=self.group is None,
            )
            if self.group is None:
                conversation = await db(services.web_conversation)(
                    bot=bot, user_id=self.user_id, create=True, language=self._language()
                )
                await self._join(conversation.pk)
            received = await db(services.web_receive)(bot=bot, user_id=self.user_id, **fields)
        except ApplicationError as error:
            await self._error(
                error.message, code=error.code, clientMessageId=client_id, **error.extra
            )
            return
        data = await db(services.message_data)(received.message)
        await self.send_json(
            {
                "type": "ack",
                "clientMessageId": client_id,
                "created": received.created,
                "message": web.public_message(data),
            }
        )

    async def event_message(self, message: dict[str, Any]) -> None:
        envelope = json.loads(message["text"])
        payload = envelope.get("payload") or {}
        if envelope.get("type") != publisher.MESSAGE_CREATED:
            return
        if payload.get("conversationId") != self.conversation_id:
            return
        public = web.public_message(payload)
        if len(message["text"]) > MAX_EVENT_CHARS:
            # Too big for a frame (an operator raised MAX_PAYLOAD_BYTES): the text without its
            # rich content, rather than a socket closed with 1011.
            public = {**public, "payload": None, "truncated": True}
        await self.send_json({"type": "message", "message": public})

    async def ephemeral_message(self, message: dict[str, Any]) -> None:
        data = message.get("data") or {}
        if data.get("type") != "typing" or data.get("conversationId") != self.conversation_id:
            return
        agent = data.get("agent") or {}
        await self.send_json(
            {"type": "typing", "agent": {"name": agent.get("name", "")}, "typing": data["typing"]}
        )

    def _language(self) -> str | None:
        headers = dict(self.scope.get("headers") or [])
        raw = headers.get(b"accept-language", b"").decode("latin-1")
        return services.browser_language(raw)

    async def disconnect(self, code: int) -> None:
        if self.held is not None:
            visitor_key, client_ip = self.held
            for counter, key in ((_open_by_visitor, visitor_key), (_open_by_ip, client_ip)):
                counter[key] -= 1
                if counter[key] <= 0:
                    del counter[key]
            self.held = None
        if getattr(self, "counted", False):
            metrics.SOCKETS.labels("webchat").dec()
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def _join(self, conversation_id: int) -> None:
        self.conversation_id = conversation_id
        self.group = publisher.enduser_group(conversation_id)
        await self.channel_layer.group_add(self.group, self.channel_name)

    async def _error(self, message: str, *, code: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "code": code, "message": message, **extra})


def _query(scope: dict[str, Any], name: str) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode()).get(name)
    return values[0] if values else None


def _int(value: str | None) -> int | None:
    try:
        return max(int(value), 0) if value is not None else None
    except ValueError:
        return None
