"""Who is calling, and for which bot: every API view starts here.

A token reaches the bots of its workspace; a session user, the bots of the workspaces they are
a member of. A bot outside those answers 404, exactly as an unknown bot does, so a caller can
never learn which bot ids exist elsewhere.

A token acts as the bot or the system, never as a person: it may request, tag and reject
handoffs, pause and unpause, ingest messages and read everything. Taking, resolving, requeuing
or transferring a handoff, writing notes and writing to the user as an agent need a person's
session, and a token gets 403 `agent_required` for them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.views import APIView

from agents.errors import Forbidden, NotFound
from agents.models import ApiToken, Membership
from agents.selectors import membership_get

from .. import services
from ..models import Bot
from ..selectors import bot_get
from .authentication import TokenUser
from .choices import priorities_of, teams_of
from .parsers import ApiJSONParser

# Recording activity on every request would turn each read into a write.
TOUCH_INTERVAL_SECONDS = 60


@dataclass(frozen=True)
class Caller:
    bot: Bot
    user: User | None = None
    membership: Membership | None = None
    token: ApiToken | None = None


def caller_for(request: Request, *, bot_id: str) -> Caller:
    unknown = NotFound("Unknown bot.", code="bot_not_found")
    bot = bot_get(bot_id=bot_id)
    if bot is None:
        raise unknown
    user = request.user
    if isinstance(user, TokenUser):
        token = user.token
        if token.workspace_id != bot.workspace_id:
            raise unknown
        return Caller(bot=bot, token=token)
    # IsAuthenticated (the default permission) has run: whoever is not a token is a person.
    assert isinstance(user, User)
    membership = membership_get(workspace_id=bot.workspace_id, user_id=user.pk)
    if membership is None:
        raise unknown
    return Caller(bot=bot, user=user, membership=membership)


class BotApiView(APIView):
    """Resolves `self.caller` and `self.bot` from the URL after authentication."""

    # Botpress clients send JSON; only the avatar upload takes forms (see AgentMeApi).
    parser_classes = [ApiJSONParser]
    caller: Caller
    bot: Bot

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        self.caller = caller_for(request, bot_id=kwargs["bot_id"])
        self.bot = self.caller.bot
        membership = self.caller.membership
        if membership is not None and membership.online and _stale(membership):
            # An agent working through the API is present, for the session timeout.
            services.agent_touch(user=self.agent())

    def as_caller(self) -> dict[str, Membership | None]:
        """Serializer context naming the caller: representations add their allowedActions."""
        return {"viewer": self.caller.membership}

    def agent(self) -> User:
        """The calling person; a token cannot act as one."""
        if self.caller.user is None:
            raise _agent_required()
        return self.caller.user

    def routing_filters(self, params: dict) -> tuple[list[str] | None, list[str] | None]:
        """The list's `team` and `priority` filters, checked (422 with the allowed values)."""
        teams = params.get("team") or None
        if teams is not None:
            if teams == ["mine"]:
                self.agent()  # "mine" is a person's
            teams = teams_of(teams, workspace_id=self.bot.workspace_id)
        priorities = params.get("priority") or None
        if priorities is not None:
            priorities = priorities_of(priorities)
        return teams, priorities

    def agent_membership(self) -> Membership:
        if self.caller.membership is None:
            raise _agent_required()
        return self.caller.membership


def _agent_required() -> Forbidden:
    return Forbidden(
        "This action needs an agent: call it with an agent's session, not an API token.",
        code="agent_required",
    )


def _stale(membership: Membership) -> bool:
    seen = membership.last_seen_at
    return seen is None or (timezone.now() - seen).total_seconds() > TOUCH_INTERVAL_SECONDS
