from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from hitl_project.js_catalog import javascript_catalog

# Third-party pages whose templates carry inline styles (drf-spectacular's Swagger page, DRF's
# login form): styles may be inline there; scripts still come from files only (the Swagger
# page's own script is `?script`, served by the split view).
inline_styles = csp_update({"style-src": [UNSAFE_INLINE]})
# DRF's login page (rest_framework.urls, with its view wrapped): a session for the API docs
# and for curl (see the README's API section).
drf_login = (
    [
        path(
            "login/",
            inline_styles(auth_views.LoginView.as_view(template_name="rest_framework/login.html")),
            name="login",
        ),
        path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    ],
    "rest_framework",
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        inline_styles(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
    path("api-auth/", include(drf_login)),
    # The pages' JavaScript strings in the request's language (hitl_project/js_catalog.py).
    path("jsi18n/", javascript_catalog, name="javascript-catalog"),
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
