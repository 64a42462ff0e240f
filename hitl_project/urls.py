from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
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
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
