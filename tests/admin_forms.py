"""Posting the bot's admin form as a workspace admin would: what the page shows, changed."""

from __future__ import annotations

import json

from django.test import Client

from agents.services import agent_create

JSON_FIELDS = (
    "transfer_message",
    "assign_message",
    "resolve_message",
    "expire_message",
    "out_of_office_message",
    "queue_position_message",
)


def post_bot_admin(bot, **changes):
    """The bot's admin form as shown, with `changes`, posted by a workspace admin; every
    inline of the page sent empty, whichever the bot admin has."""
    boss = agent_create(
        workspace=bot.workspace, username="boss", password="x-long-pass-1", role="admin"
    )
    client = Client()
    client.force_login(boss)
    page = client.get(f"/admin/handoffs/bot/{bot.pk}/change/")
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data |= {
        "workspace": bot.workspace_id,
        "handoff_timeout": "",
        "agent_session_timeout": "00:10:00",
        "queue_position_interval": "00:01:00",
    }
    for field in JSON_FIELDS:
        data[field] = json.dumps(getattr(bot, field))
    for inline in page.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    data |= changes
    data = {name: value for name, value in data.items() if value is not False}
    return client.post(f"/admin/handoffs/bot/{bot.pk}/change/", data)
