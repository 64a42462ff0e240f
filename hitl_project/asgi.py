import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hitl_project.settings")
# Django must be set up before routing imports consumers and models.
django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402
from django.core.handlers.asgi import ASGIHandler  # noqa: E402

from hitl_project.asgi_handler import SyncChainASGIHandler  # noqa: E402

django_asgi_app = SyncChainASGIHandler() if settings.SYNC_CHAIN_HANDLER else ASGIHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from hitl_project.health import HealthProbes  # noqa: E402
from hitl_project.http_limit import HttpConcurrencyLimit  # noqa: E402
from hitl_project.logs import RequestLog  # noqa: E402
from hitl_project.metrics import MetricsEndpoint  # noqa: E402
from hitl_project.origin import SameOriginValidator  # noqa: E402
from hitl_project.routing import websocket_urlpatterns  # noqa: E402
from hitl_project.socket_auth import SocketSessionMiddleware  # noqa: E402
from hitl_project.socket_threads import SocketThreads  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": HealthProbes(
            MetricsEndpoint(
                RequestLog(HttpConcurrencyLimit(django_asgi_app, settings.HTTP_CONCURRENCY))
            )
        ),
        "websocket": SameOriginValidator(
            SocketThreads(
                SocketSessionMiddleware(URLRouter(websocket_urlpatterns)), settings.SOCKET_THREADS
            )
        ),
    }
)
