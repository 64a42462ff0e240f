from django.urls import path

from .views import conversations, events, files, profile, reports, workspace

urlpatterns = [
    path("workspace/", workspace.workspace_index, name="workspace"),
    path("workspace/reports/", reports.reports_page, name="reports"),
    path("workspace/events/<int:event_id>/", events.event_detail, name="event-detail"),
    # Before the bot pages: "conversations" would read as a bot id there.
    path("workspace/conversations/", conversations.conversations_page, name="conversations"),
    path("workspace/<slug:bot_id>/", workspace.workspace_page, name="workspace-bot"),
    path(
        "workspace/<slug:bot_id>/conversations/",
        conversations.conversations_page,
        name="conversations-bot",
    ),
    path("accounts/profile/", profile.profile, name="profile"),
    # A file an agent sent: the token is the key, the name is for the user's eyes.
    path("files/<str:token>/<str:name>", files.attachment_file, name="attachment"),
]
