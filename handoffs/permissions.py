"""Who may do what with a handoff or a conversation: the rules, in one place.

Services enforce them, each refusal with its own error; representations hand them to the
caller as `allowedActions`, which the pages show without deciding anything themselves. Pure
functions of rows already loaded: no query.

A membership of None is an API token: the bot or a system, never a person.
"""

from __future__ import annotations

from agents.models import Membership

from .models import Bot, Conversation, Handoff

S = Handoff.Status
HANDOFF_ACTIONS = (
    "assign",
    "resolve",
    "requeue",
    "transfer",
    "reject",
    "compose",
    "delete",
    "prioritize",
    "transfer_team",
)
TOKEN_ACTIONS = ("reject", "prioritize")
CONVERSATION_ACTIONS = ("compose", "pause", "unpause", "delete")


def is_present(membership: Membership) -> bool:
    """Online, or an admin, who may act while offline."""
    return membership.online or membership.is_admin


def holds(handoff: Handoff, membership: Membership) -> bool:
    return handoff.status == S.ASSIGNED and handoff.agent_id == membership.user_id


def holds_or_admin(handoff: Handoff, membership: Membership) -> bool:
    return handoff.status == S.ASSIGNED and (
        membership.is_admin or handoff.agent_id == membership.user_id
    )


def may_close(handoff: Handoff, membership: Membership) -> bool:
    """Close an open handoff without resolving it for its agent: reject it, or unpause."""
    if handoff.status == S.PENDING:
        return is_present(membership)
    return holds_or_admin(handoff, membership) and is_present(membership)


def may_route(handoff: Handoff, membership: Membership) -> bool:
    """Change an open handoff's priority or team: a waiting one, any present member (it is
    nobody's yet); an assigned one, its agent or an admin, present."""
    if handoff.status == S.PENDING:
        return is_present(membership)
    return holds_or_admin(handoff, membership) and is_present(membership)


def may_write(
    *, conversation: Conversation, open_handoff: Handoff | None, membership: Membership
) -> bool:
    """Write to the user: an admin always; otherwise the agent holding the open handoff, or
    anyone while the bot is paused by hand."""
    if membership.is_admin:
        return True
    if open_handoff is None:
        return conversation.paused
    return holds(open_handoff, membership)


def may_delete(*, bot: Bot, open_handoff: Handoff | None, membership: Membership) -> bool:
    """Where the bot allows it; a user waiting in the queue never vanishes because any agent
    clicked."""
    return bot.enable_conversation_deletion and (
        membership.is_admin or open_handoff is None or holds(open_handoff, membership)
    )


def may_erase_user(membership: Membership | None) -> bool:
    """Erase an end user everywhere: the bot or a system answering a privacy request (a
    token), or a workspace admin; never any agent."""
    return membership is None or membership.is_admin


def handoff_actions(*, handoff: Handoff, membership: Membership | None) -> dict[str, bool]:
    """What the caller may do with this handoff now (its workspace's member, or a token)."""
    is_open = handoff.status in Handoff.OPEN_STATUSES
    if membership is None:
        # The bot or a system may decline a handoff, or say how pressing it is.
        return {action: action in TOKEN_ACTIONS and is_open for action in HANDOFF_ACTIONS}
    held = holds_or_admin(handoff, membership)
    present = is_present(membership)
    open_handoff = handoff if is_open else None
    return {
        "assign": handoff.status == S.PENDING and present,
        "resolve": held and present,
        "requeue": held,
        # An admin hands a waiting handoff to someone, or moves a held one on: one form.
        "transfer": (held and present) or (membership.is_admin and handoff.status == S.PENDING),
        "reject": is_open and may_close(handoff, membership),
        "compose": may_write(
            conversation=handoff.conversation, open_handoff=open_handoff, membership=membership
        ),
        "delete": may_delete(bot=handoff.bot, open_handoff=open_handoff, membership=membership),
        "prioritize": is_open and may_route(handoff, membership),
        "transfer_team": is_open and may_route(handoff, membership),
    }


def conversation_actions(
    *, conversation: Conversation, open_handoff: Handoff | None, membership: Membership | None
) -> dict[str, bool]:
    """What the caller may do with this conversation now."""
    if membership is None:
        # The bot or a system may always stop itself, or take its user back.
        return {
            "compose": False,
            "pause": not conversation.paused,
            "unpause": conversation.paused,
            "delete": False,
        }
    return {
        "compose": may_write(
            conversation=conversation, open_handoff=open_handoff, membership=membership
        ),
        "pause": not conversation.paused,
        "unpause": conversation.paused
        and (open_handoff is None or may_close(open_handoff, membership)),
        "delete": may_delete(
            bot=conversation.bot, open_handoff=open_handoff, membership=membership
        ),
    }
