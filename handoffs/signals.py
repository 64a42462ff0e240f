"""Saving or deleting a bot or a webhook endpoint forgets what this process keeps of it
(agents/config_cache.py); removing an agent from a workspace, or deactivating their account,
takes their access away (services.agent_access_revoked) wherever that is done, the admin
included."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from agents.config_cache import forget
from agents.models import Membership, Workspace

from . import services
from .models import Bot, WebhookEndpoint
from .realtime import publisher
from .selectors import bot_cache_key, webhooks_cache_key


def _forget_bot(sender: type, instance: Bot, **kwargs: Any) -> None:
    forget(bot_cache_key(instance.bot_id))


def _forget_webhooks(sender: type, instance: WebhookEndpoint, **kwargs: Any) -> None:
    forget(webhooks_cache_key(instance.workspace_id))


def _membership_deleting(
    sender: type, instance: Membership, origin: object = None, **kwargs: Any
) -> None:
    whole_workspace = isinstance(origin, Workspace) or (
        isinstance(origin, QuerySet) and origin.model is Workspace
    )
    if whole_workspace:
        # Its handoffs and events go with it: no queue to hand back to, and an event written
        # now would name a workspace about to vanish. Only the sockets to close.
        transaction.on_commit(partial(publisher.access_changed, instance.user_id))
    else:
        # The membership, or the whole account: their handoffs go back to the queue.
        services.agent_access_revoked(membership=instance)


def _user_saving(
    sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    # Only a save that may switch `is_active` or the password reads what they were (a login
    # saves last_login only).
    if (
        raw
        or instance.pk is None
        or (update_fields is not None and not {"is_active", "password"} & set(update_fields))
    ):
        return
    before = sender.objects.filter(pk=instance.pk).values_list("is_active", "password").first()
    if before is not None:
        instance._hitl_was_active, instance._hitl_password_was = before


def _user_saved(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """A deactivation, not every later save of an inactive account, revokes its access."""
    was_active = instance.__dict__.pop("_hitl_was_active", None)
    password_was = instance.__dict__.pop("_hitl_password_was", None)
    if raw:
        return
    if was_active and not instance.is_active:
        for membership in Membership.objects.filter(user=instance):
            services.agent_access_revoked(membership=membership)
    elif password_was is not None and password_was != instance.password:
        # Every session but the one that changed it (Django re-hashes that one) is logged
        # out: the sockets close, and those whose session no longer counts are refused.
        transaction.on_commit(partial(publisher.access_changed, instance.pk))


def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is not None and session_key:
        transaction.on_commit(partial(publisher.session_ended, user.pk, session_key))


def connect() -> None:
    pre_delete.connect(_membership_deleting, sender=Membership, dispatch_uid="membership-revoke")
    pre_save.connect(_user_saving, sender=get_user_model(), dispatch_uid="user-deactivating")
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="user-deactivated")
    user_logged_out.connect(_logged_out, dispatch_uid="user-logged-out")
    post_save.connect(_forget_bot, sender=Bot, dispatch_uid="forget-bot")
    post_delete.connect(_forget_bot, sender=Bot, dispatch_uid="forget-bot-deleted")
    post_save.connect(_forget_webhooks, sender=WebhookEndpoint, dispatch_uid="forget-webhooks")
    post_delete.connect(
        _forget_webhooks, sender=WebhookEndpoint, dispatch_uid="forget-webhooks-deleted"
    )
