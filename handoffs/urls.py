from django.urls import path

from .views import profile, workspace

urlpatterns = [
    path("workspace/", workspace.workspace_index, name="workspace"),
    path("workspace/<slug:bot_id>/", workspace.workspace_page, name="workspace-bot"),
    path(
        "workspace/<slug:bot_id>/conversations/<int:conversation_id>/delete/",
        workspace.conversation_delete,
        name="conversation-delete",
    ),
    path("accounts/profile/", profile.profile, name="profile"),
]
