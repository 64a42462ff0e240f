"""Saving or deleting a bot forgets this process's cached copy (agents/config_cache.py)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from agents.config_cache import forget

from .models import Bot
from .selectors import bot_cache_key


def _forget_bot(sender: type, instance: Bot, **kwargs: Any) -> None:
    forget(bot_cache_key(instance.bot_id))


def connect() -> None:
    post_save.connect(_forget_bot, sender=Bot, dispatch_uid="forget-bot")
    post_delete.connect(_forget_bot, sender=Bot, dispatch_uid="forget-bot-deleted")
