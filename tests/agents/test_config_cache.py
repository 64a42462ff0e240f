"""Bots and API tokens are kept a few seconds per process (agents/config_cache.py): what that
means for a caller, a revocation and a change made in another process."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from agents.models import ApiToken
from agents.services import api_token_authenticate, api_token_create
from handoffs.models import Bot
from handoffs.selectors import bot_get
from tests.factories import BotFactory

pytestmark = pytest.mark.django_db


def test_a_token_in_use_costs_no_query(workspace, django_assert_num_queries):
    _, key = api_token_create(workspace=workspace, name="crm")
    assert api_token_authenticate(key=key) is not None
    with django_assert_num_queries(0):
        assert api_token_authenticate(key=key).workspace_id == workspace.pk


def test_the_secret_is_checked_even_when_the_token_is_kept(workspace):
    _, key = api_token_create(workspace=workspace, name="crm")
    assert api_token_authenticate(key=key) is not None
    prefix, _, secret = key.partition(".")
    forged = f"{prefix}.{'x' * len(secret)}"
    assert api_token_authenticate(key=forged) is None


def test_a_token_revoked_in_this_process_is_refused_at_once(workspace):
    token, key = api_token_create(workspace=workspace, name="crm")
    assert api_token_authenticate(key=key) is not None
    token.revoked = True
    token.save()
    assert api_token_authenticate(key=key) is None


def test_a_token_revoked_elsewhere_is_refused_within_the_cache_time(workspace, settings):
    token, key = api_token_create(workspace=workspace, name="crm")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert api_token_authenticate(key=key) is not None
        # A queryset update sends no signal: it stands for another server process.
        ApiToken.objects.filter(pk=token.pk).update(revoked=True)
        assert api_token_authenticate(key=key) is not None
        clock.shift(timedelta(seconds=settings.CONFIG_CACHE_SECONDS + 1))
        assert api_token_authenticate(key=key) is None


def test_a_bot_changed_elsewhere_is_seen_within_the_cache_time(bot, settings):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert bot_get(bot_id=bot.bot_id).name == bot.name
        Bot.objects.filter(pk=bot.pk).update(name="Renamed elsewhere")
        assert bot_get(bot_id=bot.bot_id).name == bot.name
        clock.shift(timedelta(seconds=settings.CONFIG_CACHE_SECONDS + 1))
        assert bot_get(bot_id=bot.bot_id).name == "Renamed elsewhere"


def test_a_bot_saved_in_this_process_is_seen_at_once(bot):
    assert bot_get(bot_id=bot.bot_id).name == bot.name
    bot.name = "Renamed here"
    bot.save()
    assert bot_get(bot_id=bot.bot_id).name == "Renamed here"


def test_an_unknown_bot_is_not_remembered(workspace):
    assert bot_get(bot_id="new-bot") is None
    BotFactory(workspace=workspace, bot_id="new-bot")
    assert bot_get(bot_id="new-bot") is not None


def test_each_caller_gets_its_own_copy(bot):
    first = bot_get(bot_id=bot.bot_id)
    first.name = "changed in memory only"
    assert bot_get(bot_id=bot.bot_id).name == bot.name


def test_any_id_makes_a_valid_cache_key(workspace):
    assert bot_get(bot_id="spaces and \u00e9 " + "x" * 400) is None


def test_what_another_thread_kept_before_the_commit_is_forgotten_at_the_commit(
    workspace,
    django_capture_on_commit_callbacks,
):
    from django.db import transaction

    from agents.config_cache import remember, remembered
    from handoffs.models import WebhookEndpoint
    from handoffs.selectors import webhooks_cache_key

    key = webhooks_cache_key(workspace.pk)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        WebhookEndpoint.objects.create(workspace=workspace, url="http://127.0.0.1:9/hook")
        # Another request, which cannot see the uncommitted endpoint yet, keeps "none".
        remember(key, False)

    assert remembered(key, lambda: True) is True
