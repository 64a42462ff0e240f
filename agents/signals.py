"""Saving or deleting a token forgets this process's cached copy (agents/config_cache.py)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from .config_cache import forget
from .models import ApiToken
from .services import api_token_cache_key


def _forget_token(sender: type, instance: ApiToken, **kwargs: Any) -> None:
    forget(api_token_cache_key(instance.prefix))


def connect() -> None:
    post_save.connect(_forget_token, sender=ApiToken, dispatch_uid="forget-api-token")
    post_delete.connect(_forget_token, sender=ApiToken, dispatch_uid="forget-api-token-deleted")
