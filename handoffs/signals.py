"""Saving or deleting a bot or a webhook endpoint forgets what this process keeps of it
(agents/config_cache.py)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from agents.config_cache import forget

from .models import Bot, WebhookEndpoint
from .selectors import bot_cache_key, webhooks_cache_key


def _forget_bot(sender: type, instance: Bot, **kwargs: Any) -> None:
    forget(bot_cache_key(instance.bot_id))


def _forget_webhooks(sender: type, instance: WebhookEndpoint, **kwargs: Any) -> None:
    forget(webhooks_cache_key(instance.workspace_id))


def connect() -> None:
    post_save.connect(_forget_bot, sender=Bot, dispatch_uid="forget-bot")
    post_delete.connect(_forget_bot, sender=Bot, dispatch_uid="forget-bot-deleted")
    post_save.connect(_forget_webhooks, sender=WebhookEndpoint, dispatch_uid="forget-webhooks")
    post_delete.connect(
        _forget_webhooks, sender=WebhookEndpoint, dispatch_uid="forget-webhooks-deleted"
    )
