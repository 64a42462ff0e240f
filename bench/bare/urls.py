from __future__ import annotations

from django.urls import path

from .pings.views import PingApi

urlpatterns = [path("bare/ping/", PingApi.as_view())]
