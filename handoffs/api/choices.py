"""Values from a fixed or per-workspace set (a priority, a team): an unknown one answers 422 with
the allowed values, in the API's error body."""

from __future__ import annotations

from collections.abc import Iterable

from agents.errors import Unprocessable
from agents.models import Team

from ..models.handoffs import PRIORITIES
from ..selectors import team_get, team_slugs


def unknown_value(field: str, value: str, allowed: Iterable[str]) -> Unprocessable:
    allowed = list(allowed)
    message = f"{field}: unknown value {value!r}; one of: {', '.join(allowed) or '(none)'}."
    return Unprocessable(
        message, code="invalid", extra={"errors": {field: [message]}, "allowed": allowed}
    )


def priority_of(value: str, *, field: str = "priority") -> str:
    if value not in PRIORITIES:
        raise unknown_value(field, value, PRIORITIES)
    return value


def priorities_of(values: list[str]) -> list[str]:
    return [priority_of(value) for value in values]


def team_of(value: str, *, workspace_id: int, field: str = "team") -> Team:
    team = team_get(workspace_id=workspace_id, slug=value)
    if team is None:
        raise unknown_value(field, value, _slugs(workspace_id))
    return team


def teams_of(values: list[str], *, workspace_id: int) -> list[str]:
    """Team slugs for the list's filter: `mine`, or slugs of the workspace's teams."""
    if values == ["mine"]:
        return values
    known = set(_slugs(workspace_id))
    for value in values:
        if value not in known:
            raise unknown_value("team", value, ["mine", *_slugs(workspace_id)])
    return values


def _slugs(workspace_id: int) -> list[str]:
    return team_slugs(workspace_id=workspace_id)
