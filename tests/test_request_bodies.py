"""Daphne's requests are built without Twisted's form parsing (hitl_project/request_bodies.py):
the application reads every body itself, and answers a malformed one in its own words."""

from __future__ import annotations

import httpx
import pytest

from agents.services import api_token_create
from tests.factories import BotFactory
from tests.servers import daphne

MALFORMED_UPLOAD = b"not a multipart body at all"


@pytest.mark.django_db(transaction=True)
def test_a_malformed_upload_gets_the_apis_json_error_not_twisteds_bare_400():
    bot = BotFactory()
    _, key = api_token_create(workspace=bot.workspace, name="bot")

    with daphne() as url:
        response = httpx.post(
            f"{url}/api/v1/bots/{bot.bot_id}/channels/api/messages",
            content=MALFORMED_UPLOAD,
            headers={
                "Authorization": f"Bearer {key}",
                "Content-Type": "multipart/form-data; boundary=x",
            },
        )

    # Twisted, parsing the body first, answered "400 Bad Request" with no body and hung up.
    assert response.status_code == 415, response.text
    assert response.json()["code"] == "unsupported_media_type"
