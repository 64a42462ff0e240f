"""autobahn formats its debug lines' arguments at every connect and every frame, logged or not.

`WebSocketProtocol._connectionMade` pretty-prints its 29 options (`pformat`) as the argument of
a `log.debug` call that txaio then drops below debug level: about 0.2 ms of CPU a connect, a
sixth of daphne's own handshake (bench/README.md, "10,000 sockets"). Each frame sent or received
also colours its method's name, its peer and its length for a debug line (`hltype`, `hlval`:
click's terminal styles, about 3 us a frame, so 30 ms of a fan-out to 10,000 sockets). The
server entry point replaces these names in autobahn's WebSocket modules with ones that format
only while txaio logs debug lines; otherwise `pformat` gives a placeholder, and `hltype` and
`hlval` plain text (one of their calls feeds an error line, in the client's handshake).
Off with the rest of the runtime tuning (`HITL_RUNTIME_TUNING=false`).
"""

from __future__ import annotations

import pprint
from typing import Any

import txaio
from autobahn import util

NOT_FORMATTED = "(not formatted: autobahn logs below debug)"


def format_debug_lines_only_when_logged() -> None:
    from autobahn.twisted import websocket
    from autobahn.websocket import protocol

    protocol.pformat = _pformat_when_logged  # type: ignore[assignment]
    for module in (protocol, websocket):
        module.hltype = _hltype_when_logged  # type: ignore[attr-defined]
        module.hlval = _hlval_when_logged  # type: ignore[attr-defined]


def _debug_logged() -> bool:
    # txaio picks its framework (twisted, under daphne) at run time: mypy sees the stubs only.
    return txaio.get_global_log_level() in ("debug", "trace")  # type: ignore[attr-defined]


def _pformat_when_logged(value: Any, *args: Any, **kwargs: Any) -> str:
    if _debug_logged():
        return pprint.pformat(value, *args, **kwargs)
    return NOT_FORMATTED


def _hltype_when_logged(obj: Any) -> str:
    if _debug_logged():
        return util.hltype(obj)
    return f"<{getattr(obj, '__qualname__', type(obj).__qualname__)}>"


def _hlval_when_logged(value: Any, *args: Any, **kwargs: Any) -> str:
    if _debug_logged():
        return util.hlval(value, *args, **kwargs)
    return f"{value}"
