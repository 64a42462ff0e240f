"""Outbound HTTP after commit: a small bounded thread pool and one retrying POST.

Why a pool in the web process rather than a worker command polling `delivery_status=pending`:
an agent's message should reach Messenger within a second, as it does on the web chat, and a
worker would add a polling delay and one more process to deploy. The pool is bounded
(`OUTBOUND_WORKERS`), so a slow Graph API queues work instead of spawning threads, and the
request that committed the message never waits on the network. Work queued in a process that
dies is not lost: the message was written `pending`, and the `sweep` worker sends it again once
its attempt is OUTBOUND_STALE_SECONDS old (handoffs.services.deliveries).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

import httpx
from django.conf import settings
from django.db import connections
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from handoffs import metrics, outgoing

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_pending: set[Future] = set()


class DeliveryError(Exception):
    """The receiver refused the request, or kept failing until the attempts ran out."""


class _RetryableStatus(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def submit(task: Callable[..., None], /, **kwargs: Any) -> None:
    """Run `task(**kwargs)` in the pool; with OUTBOUND_WORKERS=0, right here."""
    workers = settings.OUTBOUND_WORKERS
    if workers <= 0:
        _run(task, kwargs)
        return
    future = _pool(workers).submit(_run_in_worker, task, kwargs)
    with _lock:
        _pending.add(future)
    future.add_done_callback(_forget)


def drain(timeout: float = 10) -> bool:
    """Wait for queued deliveries (tests, shutdown); True when none is left."""
    with _lock:
        pending = list(_pending)
    _, not_done = wait(pending, timeout=timeout)
    return not not_done


def _pool(workers: int) -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="outbound")
        return _executor


def _forget(future: Future) -> None:
    with _lock:
        _pending.discard(future)


def _run(task: Callable[..., None], kwargs: dict[str, Any]) -> None:
    try:
        task(**kwargs)
    except Exception:
        logger.exception("outbound task %s failed", getattr(task, "__name__", task))


def _run_in_worker(task: Callable[..., None], kwargs: dict[str, Any]) -> None:
    try:
        _run(task, kwargs)
    finally:
        # Pool threads live on: hand the connection back instead of keeping one per thread.
        connections.close_all()


def post_json(*, url: str, body: bytes, headers: dict[str, str], service: str) -> httpx.Response:
    """POST through the outgoing guard, retrying timeouts, connection errors, 429 and 5xx;
    DeliveryError when it fails."""
    attempts = max(settings.OUTBOUND_ATTEMPTS, 1)
    retrying = Retrying(
        retry=retry_if_exception(_worth_retrying),
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=settings.OUTBOUND_RETRY_WAIT, max=30),
        reraise=True,
    )
    try:
        with outgoing.client(timeout=settings.OUTBOUND_TIMEOUT) as client:
            for attempt in retrying:
                with attempt:
                    response = client.post(
                        url,
                        content=body,
                        headers={"Content-Type": "application/json", **headers},
                    )
                    if response.status_code == 429 or response.status_code >= 500:
                        raise _RetryableStatus(response)
    except _RetryableStatus as error:
        metrics.OUTBOUND_FAILURES.labels(service).inc()
        raise DeliveryError(
            f"{service} answered {error.response.status_code} after {attempts} attempts."
        ) from None
    except (httpx.TransportError, httpx.InvalidURL) as error:
        metrics.OUTBOUND_FAILURES.labels(service).inc()
        # The error text goes to agents (a Messenger message's delivery error): the reason,
        # which may name an address or a port, stays in the server log.
        reason = outgoing.public_reason(error)
        if outgoing.never_retried(error):
            raise DeliveryError(f"{service} was not contacted. {reason}") from None
        logger.warning("%s unreachable: %s: %s", service, type(error).__name__, error)
        raise DeliveryError(f"{service} unreachable after {attempts} attempts. {reason}") from None
    if response.status_code >= 400:
        metrics.OUTBOUND_FAILURES.labels(service).inc()
        raise DeliveryError(
            f"{service} refused the message ({response.status_code}): {_reason(response)}"
        )
    return response


def _worth_retrying(error: BaseException) -> bool:
    if isinstance(error, _RetryableStatus):
        return True
    return isinstance(error, httpx.TransportError) and not outgoing.never_retried(error)


def _reason(response: httpx.Response) -> str:
    try:
        # The Graph API explains itself in {"error": {"message": ...}}.
        return str(response.json()["error"]["message"])[:300]
    except (ValueError, KeyError, TypeError):
        return response.text[:300]
