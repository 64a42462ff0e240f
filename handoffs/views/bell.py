"""The notification bell in the workspace header: its first state, in the API's JSON shape."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from ..models import Bot
from ..representations import NotificationRepresentation, wire
from ..selectors import notification_list, notification_unread_count

# The dropdown shows the latest ones; older ones stay available over the API.
SHOWN = 30


def api_base(bot: Bot) -> str:
    return f"/api/v1/bots/{bot.bot_id}/mod/hitlnext/"


def bell_state(*, user: User, bots: list[Bot]) -> dict[str, Any]:
    """The agent's notifications in every workspace of `bots`; each is marked read through the
    API of a bot of its own workspace, so the page needs one API per workspace."""
    workspace_apis: dict[int, str] = {}
    for bot in bots:
        workspace_apis.setdefault(bot.workspace_id, api_base(bot))
    workspace_ids = list(workspace_apis)
    latest = notification_list(user=user, workspace_ids=workspace_ids)[:SHOWN]
    return {
        "unreadCount": notification_unread_count(user=user, workspace_ids=workspace_ids),
        "notifications": wire(NotificationRepresentation(latest, many=True)),
        "botApis": {bot.bot_id: api_base(bot) for bot in bots},
        "workspaceApis": list(workspace_apis.values()),
    }
