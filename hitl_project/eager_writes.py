"""A WebSocket frame goes to the kernel when it is sent, not on the event loop's next turn.

Twisted's TCP transport buffers every `write` and registers the socket with epoll for writing,
then sends on the loop's next turn and unregisters it: two `epoll_ctl` calls and a trip through
the reactor for each frame. In a fan-out to 10,000 agents' sockets that dance was half of the
event loop's time (`py-spy --gil`: adding the writer 20%, the write callback 20%, removing it
12%; bench/README.md, "10,000 sockets"). Here a WebSocket's write first tries `send` at once,
as asyncio's own transports do, when nothing is buffered before it; whatever the kernel does
not take goes through Twisted's buffer as before, so frames keep their order, and a full
socket still pauses a streaming producer. A pull producer, which Twisted asks for more only
when its buffer empties, keeps Twisted's path (nothing in daphne registers one).

Only upgraded WebSockets, where a frame is one write: an HTTP response is several (status line
and headers, then the body), which Twisted joins into one `send` on the loop's next turn, so
HTTP keeps that. TLS connections (and any transport wrapped around the TCP one) keep Twisted's
path too, as does a closing, aborted or half-closed connection, or data that is not `bytes`
(Twisted refuses it before sending anything).
Off with the rest of the runtime tuning (`HITL_RUNTIME_TUNING=false`).
"""

from __future__ import annotations

from typing import Any

from autobahn.websocket.protocol import WebSocketProtocol
from twisted.internet import tcp

STOCK_WRITE = tcp.Connection.write


def send_websocket_frames_at_once() -> None:
    tcp.Connection.write = _write  # type: ignore[method-assign]


def _write(self: Any, data: bytes) -> None:
    if (
        type(data) is not bytes
        or self.TLS
        or not self.connected
        or self.disconnecting
        or self._aborting
        or self._writeDisconnected
        or self._tempDataLen
        or len(self.dataBuffer) > self.offset
        or (self.producer is not None and not self.streamingProducer)
        or not isinstance(self.protocol, WebSocketProtocol)
        or not data
    ):
        STOCK_WRITE(self, data)
        return
    try:
        sent = self.socket.send(data)
    except BlockingIOError:
        sent = 0
    except OSError:
        # Twisted's own write path meets the same error and closes the connection its way.
        STOCK_WRITE(self, data)
        return
    if sent < len(data):
        STOCK_WRITE(self, data[sent:])
