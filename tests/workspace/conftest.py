from __future__ import annotations

import json

import pytest
from django.test import Client


@pytest.fixture
def login():
    """A test client logged in as `user`."""

    def logged_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return logged_in


def page_state(response) -> dict:
    """The JSON the workspace page hands to its script."""
    html = response.content.decode()
    start = html.index('<script id="workspace-state" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])
