"""`make run`, then log in as agent/agent: the demo's pending handoff is waiting."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_demo_agent_sees_the_pending_handoff(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    client = Client()

    response = client.post(
        "/accounts/login/", {"username": "agent", "password": "agent"}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/workspace/welcome-bot/"
    content = response.content.decode()
    assert "Ada Lovelace" in content
    assert "Where is my parcel?" in content
    assert "badge--pending" in content
