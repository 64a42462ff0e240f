"""Every state change of the domain, each in one transaction that also writes its events."""

from .agents import (
    agent_access_revoked,
    agent_profile_update,
    agent_set_online,
    agent_set_status,
    agent_socket_closed,
    agent_socket_opened,
    agent_touch,
    agents_sweep_offline,
    socket_leases_expire,
    socket_leases_renew,
)
from .attachments import attachment_send
from .conversations import (
    conversation_delete,
    conversation_for_user,
    conversation_get_or_create,
    conversation_pause,
    conversations_erase,
    end_user_get_or_create,
    end_user_update_variables,
)
from .csat import handoff_csat_record
from .deliveries import message_delivery_derive, message_mark_delivery, message_mark_reported
from .erasure import end_user_erase
from .events import event_emit
from .handoffs import (
    BOT_TIMEOUT,
    conversation_unpause,
    handoff_assign,
    handoff_expire,
    handoff_reject,
    handoff_request,
    handoff_requeue,
    handoff_resolve,
    handoff_set_labels,
    handoff_transfer,
)
from .messages import (
    Received,
    message_ingest,
    message_send_agent,
    message_send_bot,
)
from .notes import note_add
from .notifications import (
    handoffs_warn_expiring,
    notification_create_custom,
    notification_mark_read,
    notify,
)
from .queue import agents_available, handoff_auto_assign, handoffs_expire_due
from .retention import PruneRun, prune, prune_claim, prune_steps, prune_summary
from .routing import handoff_set_priority, handoff_transfer_team, team_from_tags
from .transcripts import transcript_email_address, transcript_email_send
from .workers import worker_claim_due, worker_pass_record

__all__ = [
    "transcript_email_address",
    "transcript_email_send",
    "attachment_send",
    "agent_access_revoked",
    "BOT_TIMEOUT",
    "PruneRun",
    "Received",
    "agent_profile_update",
    "agent_set_status",
    "handoff_set_priority",
    "handoff_transfer_team",
    "team_from_tags",
    "agent_set_online",
    "agent_socket_closed",
    "agent_socket_opened",
    "socket_leases_renew",
    "agent_touch",
    "agents_available",
    "agents_sweep_offline",
    "conversation_delete",
    "conversation_for_user",
    "conversation_get_or_create",
    "conversation_pause",
    "conversation_unpause",
    "conversations_erase",
    "end_user_erase",
    "end_user_get_or_create",
    "end_user_update_variables",
    "event_emit",
    "handoff_assign",
    "handoff_auto_assign",
    "handoff_csat_record",
    "handoff_expire",
    "handoff_reject",
    "handoff_request",
    "handoff_requeue",
    "handoff_resolve",
    "handoff_set_labels",
    "handoff_transfer",
    "handoffs_expire_due",
    "handoffs_warn_expiring",
    "message_delivery_derive",
    "message_ingest",
    "message_mark_delivery",
    "message_mark_reported",
    "message_send_agent",
    "message_send_bot",
    "note_add",
    "notification_create_custom",
    "notification_mark_read",
    "notify",
    "prune",
    "prune_claim",
    "prune_steps",
    "prune_summary",
    "socket_leases_expire",
    "worker_claim_due",
    "worker_pass_record",
]
