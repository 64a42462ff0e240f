from __future__ import annotations

import pytest
from django.core.management import call_command

from channels_adapters.models import ConnectorSettings

pytestmark = pytest.mark.django_db


def test_seed_demo_enables_the_demo_bot_on_welcome_bot(settings):
    settings.DEBUG = True

    call_command("seed_demo", stdout=None)
    call_command("seed_demo", stdout=None)

    connector = ConnectorSettings.objects.get()
    assert connector.bot.bot_id == "welcome-bot"
    assert connector.demo_bot_enabled
