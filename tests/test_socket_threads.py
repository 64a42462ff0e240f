"""WebSockets' thread-sensitive work runs on a few long-lived threads, one per socket in turn
(hitl_project/socket_threads.py), not on the one thread asgiref gives every such call."""

from __future__ import annotations

import threading

from asgiref.sync import sync_to_async

from hitl_project.socket_threads import SocketThreads


class ThreadRecorder:
    """An ASGI app whose thread-sensitive call notes the thread it ran on."""

    def __init__(self) -> None:
        self.threads: list[str] = []

    async def __call__(self, scope, receive, send) -> None:
        def note() -> None:
            self.threads.append(threading.current_thread().name)

        await sync_to_async(note, thread_sensitive=True)()


async def test_sockets_take_the_threads_in_turn():
    recorder = ThreadRecorder()
    app = SocketThreads(recorder, 2)

    for _ in range(3):
        await app({"type": "websocket"}, None, None)

    assert [name.rsplit("_", 1)[0] for name in recorder.threads] == [
        "socket-0",
        "socket-1",
        "socket-0",
    ]


async def test_http_and_zero_threads_keep_asgirefs_default():
    recorder = ThreadRecorder()

    await SocketThreads(recorder, 2)({"type": "http"}, None, None)
    await SocketThreads(recorder, 0)({"type": "websocket"}, None, None)

    assert not any(name.startswith("socket-") for name in recorder.threads)
