"""autobahn formats a debug line at every WebSocket connect, logged or not.

`WebSocketProtocol._connectionMade` pretty-prints its 29 options (`pformat`) as the argument of
a `log.debug` call that txaio then drops below debug level: about 0.2 ms of CPU a connect, a
sixth of daphne's own handshake (bench/README.md, "10,000 sockets"). The server entry point
replaces the module's `pformat` with one that formats only while txaio logs debug lines; its
other callers are debug lines too, and `Timings.__str__`, which nothing here turns on.
Off with the rest of the runtime tuning (`HITL_RUNTIME_TUNING=false`).
"""

from __future__ import annotations

import pprint
from typing import Any

import txaio

NOT_FORMATTED = "(not formatted: autobahn logs below debug)"


def format_debug_lines_only_when_logged() -> None:
    from autobahn.websocket import protocol

    protocol.pformat = _pformat_when_logged  # type: ignore[assignment]


def _pformat_when_logged(value: Any, *args: Any, **kwargs: Any) -> str:
    # txaio picks its framework (twisted, under daphne) at run time: mypy sees the stubs only.
    if txaio.get_global_log_level() in ("debug", "trace"):  # type: ignore[attr-defined]
        return pprint.pformat(value, *args, **kwargs)
    return NOT_FORMATTED
