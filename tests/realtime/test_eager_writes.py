"""A WebSocket's frames go to the kernel as they are sent (hitl_project/eager_writes.py); what
the kernel cannot take waits in Twisted's buffer, and a frame sent meanwhile waits behind it, so
a reader that falls behind still gets every byte in order. Twisted's own TCP connection over a
socket pair, with a reactor that only records which connections want to write."""

from __future__ import annotations

import socket

import pytest
from autobahn.twisted.websocket import WebSocketServerProtocol
from twisted.internet import tcp
from twisted.internet.protocol import Protocol

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


def test_what_the_kernel_cannot_take_waits_and_later_frames_wait_behind_it():
    reactor = Reactor()
    conn, peer = connection(WebSocketServerProtocol(), reactor)
    sent = []
    # Nobody reads: the kernel's buffers fill and the rest waits in Twisted's.
    for _ in range(200):
        sent.append(CHUNK)
        conn.write(CHUNK)
        if conn in reactor.writers:
            break
    assert conn in reactor.writers, "the kernel took 12.8 MB: nothing was left to wait"
    received = read_available(peer)
    # The kernel has room again, but a frame sent now must still follow the waiting bytes.
    sent.append(b"after")
    conn.write(b"after")
    while conn in reactor.writers:
        conn.doWrite()
        received += read_available(peer)

    assert received == b"".join(sent)


def test_http_keeps_twisteds_batching():
    reactor = Reactor()
    conn, peer = connection(Protocol(), reactor)

    conn.write(b"HTTP/1.1 200 OK\r\n")

    assert read_available(peer) == b""
    assert reactor.writers == {conn}
