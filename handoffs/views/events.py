"""One event of the stream in full, for a page whose socket sent only its stub (an event too big
for a WebSocket frame; handoffs/realtime/consumers.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse

from ..realtime.selectors import visible_event
from .auth import AuthenticatedHttpRequest


@login_required
def event_detail(request: AuthenticatedHttpRequest, event_id: int) -> JsonResponse:
    envelope = visible_event(user=request.user, event_id=event_id)
    if envelope is None:
        raise Http404("Unknown event.")
    return JsonResponse(envelope)
