from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    # DRF's login page: a session for the API docs and for curl (see the README's API section).
    path("api-auth/", include("rest_framework.urls")),
    path("api/v1/bots/<slug:bot_id>/", include("handoffs.api.urls")),
    # The agent pages: login and invitations (agents), the workspace and profile (handoffs).
    path("", RedirectView.as_view(pattern_name="workspace"), name="home"),
    path("", include("agents.urls")),
    path("", include("handoffs.urls")),
    # The end users' side: web chat and the channels' webhooks.
    path("", include("channels_adapters.urls")),
]
if settings.SERVE_MEDIA:
    # Avatars are few and small: serving them from Django spares a small deployment a separate
    # file server. Behind a real web server, set SERVE_MEDIA=false and serve MEDIA_ROOT there.
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]
