"""One log format for every process: timestamps, the request's id, and repeated failures
summarised (a Redis outage would otherwise print the same traceback every second per process).

`LOG_FORMAT=json` writes one JSON object a line for log shippers. Each HTTP request gets an id
(the `X-Request-ID` it came with, when it is a sane token, or a new one), sent back in the
response's `X-Request-ID` and carried by every line logged while it is answered, the access
line included. Settings import this module: nothing of Django's here.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

access_log = logging.getLogger("hitl.access")


class RequestIdFilter(logging.Filter):
    """Gives every record the id of the request it was logged for ("-" outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


@dataclass
class _Seen:
    since: float
    suppressed: int = 0


class RepeatSummary(logging.Filter):
    """Lets the first of identical warnings or errors through, then none for `window` seconds;
    the first one after says how many it held back. Identical: same logger, level, message
    template and exception type, whatever the arguments (an event id, a host)."""

    MAX_KEYS = 1000

    def __init__(self, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.window = window
        self.clock = clock
        self.seen: dict[tuple[object, ...], _Seen] = {}
        self.lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        exc_type = record.exc_info[0] if record.exc_info else None
        key = (record.name, record.levelno, str(record.msg), exc_type)
        now = self.clock()
        with self.lock:
            seen = self.seen.get(key)
            if seen is not None and now - seen.since < self.window:
                seen.suppressed += 1
                return False
            if len(self.seen) >= self.MAX_KEYS:
                self.seen = {k: v for k, v in self.seen.items() if now - v.since < self.window}
            self.seen[key] = _Seen(since=now)
        if seen is not None and seen.suppressed:
            record.msg = (
                f"{record.msg} [{seen.suppressed} more like this in the last {self.window:g} s]"
            )
        return True


class RequestLog:
    """ASGI middleware naming each HTTP request (REQUEST_ID) for every line logged while it is
    answered, Django's own included, and logging its access line when the answer starts.
    Outside Django, so the id also covers the wait for a request thread and the handler's
    exception logging; inside the probes and /metrics, which it does not log."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = sent if SANE_ID.fullmatch(sent) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        began = time.perf_counter()

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                message = {**message, "headers": headers}
                client = scope.get("client") or ("-",)
                query = scope.get("query_string", b"").decode("latin-1")
                access_log.info(
                    '%s "%s %s" %s %.1f ms',
                    client[0],
                    scope.get("method"),
                    scope.get("path", "") + (f"?{query}" if query else ""),
                    message["status"],
                    (time.perf_counter() - began) * 1000,
                )
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)


def logging_config(*, level: str, json_lines: bool) -> dict:
    formatter = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger", "request_id": "requestId"},
            "timestamp": True,
        }
        if json_lines
        else {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "filters": {
            "request_id": {"()": "hitl_project.logs.RequestIdFilter"},
            "repeats": {"()": "hitl_project.logs.RepeatSummary"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                # Every process's lines on one stream, as process managers and containers expect.
                "stream": "ext://sys.stdout",
                "formatter": "main",
                "filters": ["request_id", "repeats"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own console handler (DEBUG only) would print its lines a second time,
            # unformatted: they go through ours alone.
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            # The Redis layer reports dropped messages at INFO only; we want to see them.
            "channels_redis": {"level": "INFO"},
            "django.db.backends": {"level": "INFO"},
            # httpx logs every request's URL at INFO; the Telegram Bot API's carry the bot token.
            "httpx": {"level": "WARNING"},
        },
    }
