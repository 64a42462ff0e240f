from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Ping

GROUP = "bench-bare"


class PingApi(APIView):
    """INSERT one row, then `group_send` it: the least the inbound path can do."""

    def post(self, request: Request) -> Response:
        ping = Ping.objects.create(text=str(request.data.get("text", ""))[:200])
        message = {"type": "relay", "id": ping.pk, "text": ping.text}
        async_to_sync(get_channel_layer().group_send)(GROUP, message)
        return Response({"id": ping.pk}, status=201)
