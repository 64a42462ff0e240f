"""Everything under /api/v1/bots/<bot_id>/: Botpress's legacy HITL and HITL-next paths, and ours."""

from __future__ import annotations

from django.urls import path, re_path

from .errors import unknown_path
from .views import (
    agents,
    attachments,
    bot,
    conversation_list,
    conversations,
    csat,
    handoff_actions,
    handoffs,
    ingest,
    legacy,
    notifications,
    queue_position,
    reports,
    routing,
    transcripts,
    users,
)

HITL = "mod/hitl/"
NEXT = "mod/hitlnext/"
HANDOFF = NEXT + "handoffs/<int:handoff_id>"
CONVERSATION = NEXT + "conversations/<int:conversation_id>"

urlpatterns = [
    # Inbound from bot platforms: first, as the route of every message (Django tries each
    # pattern in turn, and no other here can match it).
    path("channels/<str:channel>/messages", ingest.MessageIngestApi.as_view()),
    # Botpress legacy HITL
    path(HITL + "sessions", legacy.SessionListApi.as_view()),
    path(HITL + "sessions/<int:conversation_id>", legacy.SessionMessagesApi.as_view()),
    path(HITL + "sessions/<int:conversation_id>/message", legacy.SessionSendApi.as_view()),
    path(HITL + "sessions/<int:conversation_id>/isPaused", legacy.SessionIsPausedApi.as_view()),
    path(HITL + "sessions/<int:conversation_id>/pause", legacy.SessionPauseApi.as_view()),
    path(HITL + "sessions/<int:conversation_id>/unpause", legacy.SessionUnpauseApi.as_view()),
    path(
        HITL + "channel/<str:channel>/user/<str:user_id>/isPaused",
        legacy.UserIsPausedApi.as_view(),
    ),
    path(HITL + "channel/<str:channel>/user/<str:user_id>/pause", legacy.UserPauseApi.as_view()),
    path(
        HITL + "channel/<str:channel>/user/<str:user_id>/unpause", legacy.UserUnpauseApi.as_view()
    ),
    # Botpress HITL-next, and what we add under the same prefix
    path(NEXT + "config", bot.BotConfigApi.as_view()),
    path(NEXT + "availability", bot.AvailabilityApi.as_view()),
    path(NEXT + "agents", agents.AgentListApi.as_view()),
    path(NEXT + "agents/me", agents.AgentMeApi.as_view()),
    path(NEXT + "agents/me/online", agents.AgentOnlineApi.as_view()),
    path(NEXT + "agents/me/status", routing.AgentStatusApi.as_view()),
    path(NEXT + "teams", routing.TeamListApi.as_view()),
    path(NEXT + "handoffs", handoffs.HandoffListCreateApi.as_view()),
    path(NEXT + "handoffs/counts", handoffs.HandoffCountsApi.as_view()),
    path(HANDOFF, handoffs.HandoffApi.as_view()),
    path(HANDOFF + "/assign", handoff_actions.HandoffAssignApi.as_view()),
    path(HANDOFF + "/resolve", handoff_actions.HandoffResolveApi.as_view()),
    path(HANDOFF + "/reject", handoff_actions.HandoffRejectApi.as_view()),
    path(HANDOFF + "/requeue", handoff_actions.HandoffRequeueApi.as_view()),
    path(HANDOFF + "/transfer", handoff_actions.HandoffTransferApi.as_view()),
    path(HANDOFF + "/comments", handoff_actions.HandoffCommentApi.as_view()),
    path(HANDOFF + "/priority", routing.HandoffPriorityApi.as_view()),
    path(HANDOFF + "/position", queue_position.HandoffPositionApi.as_view()),
    path(HANDOFF + "/csat", csat.HandoffCsatApi.as_view()),
    path(NEXT + "conversations", conversation_list.ConversationListApi.as_view()),
    path(CONVERSATION, conversation_list.ConversationApi.as_view()),
    # HITL-next names the conversation by its thread (a handoff's userThreadId), hitl by its id.
    path(
        NEXT + "conversations/<str:conversation>/messages",
        conversations.ConversationMessagesApi.as_view(),
    ),
    path(
        NEXT + "conversations/<str:conversation>/attachments",
        attachments.ConversationAttachmentsApi.as_view(),
    ),
    path(CONVERSATION + "/notes", conversations.ConversationNotesApi.as_view()),
    path(CONVERSATION + "/transcript", transcripts.TranscriptApi.as_view()),
    path(CONVERSATION + "/transcript/email", transcripts.TranscriptEmailApi.as_view()),
    path(NEXT + "users/<str:user_id>", users.EndUserApi.as_view()),
    path(NEXT + "notifications", notifications.NotificationListCreateApi.as_view()),
    path(NEXT + "notifications/read", notifications.NotificationReadApi.as_view()),
    path(NEXT + "reports", reports.ReportApi.as_view()),
    path(NEXT + "reports/csv", reports.ReportCsvApi.as_view()),
    # Anything else here answers with the API's error body, not an HTML page.
    re_path(r"^[\s\S]*$", unknown_path),
]
