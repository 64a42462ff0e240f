"""The web process: `python -m hitl_project.serve [daphne options]` (the Procfile's `web`).

Imports the ASGI app, then tunes the interpreter and daphne's libraries for a long-lived server
(runtime_tuning.py, autobahn_debug.py, request_bodies.py, eager_writes.py;
`HITL_RUNTIME_TUNING=false` keeps Python's, autobahn's and Twisted's defaults) and serves the
app with daphne, whose options it takes as given, through GracefulServer: on SIGTERM it stops
accepting, closes every WebSocket with 1012 (service restart: pages reconnect elsewhere with
`?after=`), lets requests in flight finish within `SHUTDOWN_TIMEOUT` seconds, then exits, and
never hangs.
`python -m hitl_project.serve --uvicorn [options]` serves it with uvicorn instead, for bench/ to
compare the two servers on the same process setup.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from typing import Any

from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol

APP = "hitl_project.asgi:application"
CLOSE_SERVICE_RESTART = 1012
# Past the shutdown timeout, this long for the reactor to stop before the process is ended.
EXIT_GRACE_SECONDS = 5.0

logger = logging.getLogger("hitl_project.serve")
access_log = logging.getLogger("hitl.access")
WEBSOCKET_ACTIONS = {
    "connected": "WSCONNECT",
    "rejected": "WSREJECT",
    "disconnected": "WSDISCONNECT",
}


class GracefulServer(Server):
    """daphne's Server, with a graceful SIGTERM and without logging load balancers' probes."""

    shutdown_timeout = 30.0

    def __init__(self, *args: Any, action_logger: Any = None, **kwargs: Any) -> None:
        if action_logger is not None:
            # In the one log format; HTTP requests' lines come from logs.RequestLog, with
            # their ids, and leave out the probes and /metrics.
            action_logger = _log_websockets
        super().__init__(*args, action_logger=action_logger, **kwargs)
        self.ports: list[Any] = []
        self.stopping = False

    def run(self) -> None:
        reactor = _reactor()

        # After the reactor installed its own handlers: ours replaces its SIGTERM only.
        reactor.callWhenRunning(self._handle_sigterm)
        super().run()

    def listen_success(self, port: Any) -> None:
        self.ports.append(port)
        super().listen_success(port)

    def _handle_sigterm(self) -> None:
        reactor = _reactor()

        def on_sigterm(signum: int, frame: Any) -> None:
            reactor.callFromThread(self.stop_gracefully)

        signal.signal(signal.SIGTERM, on_sigterm)

    def stop_gracefully(self) -> None:
        if self.stopping:
            return
        self.stopping = True
        deadline = time.monotonic() + self.shutdown_timeout
        # Whatever happens below, the process ends: a thread stuck in a view cannot hold it.
        _exit_after(self.shutdown_timeout + EXIT_GRACE_SECONDS)
        for port in self.ports:
            port.stopListening()
        sockets = [p for p in self.connections if isinstance(p, WebSocketProtocol)]
        for protocol in sockets:
            if protocol.state == WebSocketProtocol.STATE_OPEN:
                # Below autobahn's sendClose, which allows 1000 and 3000-4999 only.
                protocol.sendCloseFrame(code=CLOSE_SERVICE_RESTART)
        logger.info(
            "SIGTERM: stopped listening, closed %d sockets, waiting for %d requests",
            len(sockets),
            self._in_flight(),
        )
        self._drain(deadline)

    def _in_flight(self) -> int:
        return sum(
            1
            for details in self.connections.values()
            if (instance := details.get("application_instance")) is not None and not instance.done()
        )

    def _drain(self, deadline: float) -> None:
        reactor = _reactor()

        # The reactor keeps running meanwhile: a request's view may still need the event loop
        # (it publishes its events through it) to finish.
        if self._in_flight() and time.monotonic() < deadline:
            reactor.callLater(0.05, self._drain, deadline)
            return
        left = self._in_flight()
        if left:
            logger.warning("shutdown timeout: %d requests or sockets still running", left)
        self.stop()


def _reactor() -> Any:
    """The running reactor (daphne installs the asyncio one before anything imports it);
    twisted types the module's `reactor` as its default class, whose methods differ."""
    from twisted.internet import reactor

    return reactor


def _log_websockets(protocol: str, action: str, details: dict[str, Any]) -> None:
    if protocol == "websocket" and action in WEBSOCKET_ACTIONS:
        client = details.get("client") or "-"
        access_log.info("%s %s %s", client, WEBSOCKET_ACTIONS[action], details.get("path"))


def _exit_after(seconds: float) -> None:
    def watchdog() -> None:
        time.sleep(seconds)
        logger.error("still running %.0f s after SIGTERM: exiting now", seconds)
        logging.shutdown()
        os._exit(1)

    threading.Thread(target=watchdog, name="shutdown-watchdog", daemon=True).start()


def main(argv: list[str]) -> None:
    from django.conf import settings

    import hitl_project.asgi  # noqa: F401  (everything the process will hold, imported first)
    from hitl_project.autobahn_debug import format_debug_lines_only_when_logged
    from hitl_project.eager_writes import send_websocket_frames_at_once
    from hitl_project.request_bodies import leave_bodies_to_the_application
    from hitl_project.runtime_tuning import tune_runtime
    from hitl_project.warm_up import warm_up

    warm_up()
    if settings.RUNTIME_TUNING:
        format_debug_lines_only_when_logged()
        leave_bodies_to_the_application()
        send_websocket_frames_at_once()
        tune_runtime()
    if argv[:1] == ["--uvicorn"]:
        import uvicorn.main

        uvicorn.main.main([*argv[1:], APP])
    else:
        from daphne.cli import CommandLineInterface

        GracefulServer.shutdown_timeout = settings.SHUTDOWN_TIMEOUT
        cli = CommandLineInterface()
        cli.server_class = GracefulServer
        cli.run([*argv, APP])


if __name__ == "__main__":
    main(sys.argv[1:])
