"""A file an agent sent, to whoever holds its link: the user's browser, Messenger's, WhatsApp's
or Telegram's servers fetching it. The token in the address is the key (no session)."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from ..selectors import attachment_by_token


@require_safe
def attachment_file(request: HttpRequest, token: str, name: str) -> FileResponse:
    attachment = attachment_by_token(token)
    if attachment is None or not attachment.file:
        raise Http404("Unknown file.")
    # Pictures open in the page; anything else downloads, so no viewer runs it in our origin.
    inline = attachment.content_type.startswith("image/")
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=not inline,
        filename=attachment.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=86400"
    return response
