"""A WebSocket's frames go to the kernel as they are sent (hitl_project/eager_writes.py); what
the kernel cannot take waits in Twisted's buffer, and a frame sent meanwhile waits behind it, so
a reader that falls behind still gets every byte in order. Twisted's own TCP connection over a
socket pair, with a reactor that only records which connections want to write."""

from __future__ import annotations

import socket

import pytest
from autobahn.twisted.websocket import WebSocketServerProtocol
from twisted.internet import error, tcp
from twisted.internet.interfaces import IPullProducer
from twisted.internet.protocol import Protocol
from zope.interface import implementer

from hitl_project import eager_writes

CHUNK = b"".join(bytes([n % 251]) * 1024 for n in range(64))  # 64 KB, each KB its own byte


class Reactor:
    def __init__(self) -> None:
        self.writers: set[tcp.Connection] = set()

    def addWriter(self, connection: tcp.Connection) -> None:
        self.writers.add(connection)

    def removeWriter(self, connection: tcp.Connection) -> None:
        self.writers.discard(connection)


@pytest.fixture(autouse=True)
def eager(monkeypatch):
    monkeypatch.setattr(tcp.Connection, "write", tcp.Connection.write)
    eager_writes.send_websocket_frames_at_once()


def connection(protocol, reactor: Reactor) -> tuple[tcp.Connection, socket.socket]:
    ours, peer = socket.socketpair()
    peer.setblocking(False)
    conn = tcp.Connection(ours, protocol, reactor)
    conn.connected = True
    return conn, peer


def read_available(peer: socket.socket) -> bytes:
    data = b""
    while True:
        try:
            data += peer.recv(1 << 20)
        except BlockingIOError:
            return data


def test_a_frame_reaches_the_kernel_at_once_without_waiting_for_the_loop():
    reactor = Reactor()
    conn, peer = connection(WebSocketServerProtocol(), reactor)

    conn.write(b"\x81\x05hello")

    assert read_available(peer) == b"\x81\x05hello"
    assert reactor.writers == set()


def fill(conn: tcp.Connection, reactor: Reactor) -> list[bytes]:
    """Writes until the kernel's buffers are full (nobody reads) and the rest waits in
    Twisted's; returns what was written."""
    sent = []
    for _ in range(200):
        sent.append(CHUNK)
        conn.write(CHUNK)
        if conn in reactor.writers:
            return sent
    raise AssertionError("the kernel took 12.8 MB: nothing was left to wait")


def drain(conn: tcp.Connection, reactor: Reactor, peer: socket.socket) -> bytes:
    received = b""
    while conn in reactor.writers:
        conn.doWrite()
        received += read_available(peer)
    return received + read_available(peer)


# Waiting bytes sit in Twisted's list of writes, or, once the loop has tried to send them and
# the kernel took only part, in its send buffer.
@pytest.mark.parametrize("loop_tried_first", [False, True])
def test_what_the_kernel_cannot_take_waits_and_later_frames_wait_behind_it(loop_tried_first):
    reactor = Reactor()
    conn, peer = connection(WebSocketServerProtocol(), reactor)
    sent = fill(conn, reactor)
    if loop_tried_first:
        conn.doWrite()
    received = read_available(peer)
    # The kernel has room again, but a frame sent now must still follow the waiting bytes.
    sent.append(b"after")
    conn.write(b"after")
    received += drain(conn, reactor, peer)

    assert received == b"".join(sent)


def test_a_closed_peer_is_noticed_as_twisted_notices_it():
    reactor = Reactor()
    conn, peer = connection(WebSocketServerProtocol(), reactor)
    peer.close()

    conn.write(b"\x81\x05hello")

    assert reactor.writers == {conn}
    assert isinstance(conn.doWrite(), error.ConnectionLost)


def test_a_pull_producer_is_asked_for_each_chunk_as_twisted_asks_it():
    reactor = Reactor()
    conn, peer = connection(WebSocketServerProtocol(), reactor)
    chunks = [b"one", b"two", b"three"]

    @implementer(IPullProducer)
    class Chunks:
        def resumeProducing(self) -> None:
            if chunks:
                conn.write(chunks.pop(0))
            else:
                conn.unregisterProducer()

        def stopProducing(self) -> None:
            pass

    conn.registerProducer(Chunks(), False)

    assert drain(conn, reactor, peer) == b"onetwothree"


def test_http_keeps_twisteds_batching():
    reactor = Reactor()
    conn, peer = connection(Protocol(), reactor)

    conn.write(b"HTTP/1.1 200 OK\r\n")

    assert read_available(peer) == b""
    assert reactor.writers == {conn}
