"""A few seconds of per-process memory for rows read on every API call and rarely changed.

Bots and API tokens cost two of the ingest path's queries, a good share of its CPU
(bench/README.md, "Bot and token lookups"). Each process keeps them for
`HITL_CONFIG_CACHE_SECONDS`: a change saved in this process applies at once (the models'
signals forget the entry), one saved in another process within that time. The cache is
Django's local-memory backend, which hands out a fresh unpickled copy on every read, so no two
requests share a model instance.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import partial
from typing import TypeVar

from django.core.cache import caches
from django.db import transaction

T = TypeVar("T")

CACHE = "config"
_MISSING = object()


def cache_key(kind: str, name: str) -> str:
    """Names come from URLs and headers: hashed, any string makes a valid cache key."""
    return f"{kind}:{hashlib.blake2b(name.encode(errors='replace'), digest_size=16).hexdigest()}"


def remembered(key: str, load: Callable[[], T | None]) -> T | None:
    """`load()`'s value, kept for a few seconds; None (nothing found) is never kept."""
    cache = caches[CACHE]
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = load()
        if value is not None:
            cache.set(key, value)
    return value


def remember(key: str, value: object) -> None:
    caches[CACHE].set(key, value)


def forget(key: str) -> None:
    """Now, and again when the current transaction commits: until then other threads still
    read the old row, and one of them could keep it (or "none") for the full time."""
    caches[CACHE].delete(key)
    transaction.on_commit(partial(caches[CACHE].delete, key))
