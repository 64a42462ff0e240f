"""A note posted through the API that mentions a colleague lands in their notifications."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from .conftest import api_url

pytestmark = pytest.mark.django_db


def test_the_mentioned_agent_sees_it_in_their_notifications(
    agent_client, other_agent, bot, pending_handoff
):
    conversation = pending_handoff.conversation
    response = agent_client.post(
        api_url(bot, f"mod/hitlnext/conversations/{conversation.pk}/notes"),
        {"content": f"@{other_agent.username} please take over"},
        format="json",
    )
    assert response.status_code == 201

    client = APIClient()
    client.force_login(other_agent)
    listed = client.get(api_url(bot, "mod/hitlnext/notifications")).json()["notifications"]
    mention = next(n for n in listed if n["kind"] == "mention")
    assert "please take over" in mention["message"]
    assert mention["link"].endswith(f"?handoff={pending_handoff.pk}")
