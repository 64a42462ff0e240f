"""Files agents send to users: refused unless small enough and of an allowed type (recognised
by its content: a script named `cat.png` is not a picture), stored through Django's storage,
and sent as a message whose payload carries an unguessable link (`/files/<token>/<name>`) that
the user's channel fetches without signing in."""

from __future__ import annotations

import os
import secrets
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import File
from django.db import transaction
from django.urls import reverse
from django.utils.text import get_valid_filename

from agents.errors import ApplicationError

from ..models import Attachment, Conversation, Message
from .messages import message_send_agent

# The types hitl recognises by their first bytes; AGENT_UPLOAD_TYPES picks among them.
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
# A name's extension -> the type it claims, to refuse a file whose name lies about it.
CLAIMED = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", **{v: k for k, v in EXTENSIONS.items()}}


def sniff(head: bytes) -> str | None:
    """The type the file's first bytes show, among EXTENSIONS'; None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _decodes_as(file: IO[bytes], content_type: str) -> bool:
    """Whether Pillow reads the whole picture as the format its header names."""
    from PIL import Image

    file.seek(0)
    try:
        with Image.open(file) as image:
            found = image.format
            image.verify()
    except Exception:  # Pillow raises many kinds for a broken file; each means "not a picture"
        return False
    finally:
        file.seek(0)
    return found == IMAGE_FORMATS[content_type]


def attachment_check(*, file: IO[bytes], name: str, size: int, declared_type: str = "") -> str:
    """The file's type, or a 4xx: too big (413), not an allowed type or not what it claims
    (415), a picture that does not decode (422)."""
    limit = settings.AGENT_UPLOAD_MAX_BYTES
    if size > limit:
        raise ApplicationError(
            f"The file is larger than {limit} bytes.", code="file_too_large", status_code=413
        )
    if size == 0:
        raise ApplicationError("The file is empty.", code="empty_file")
    allowed = [t for t in settings.AGENT_UPLOAD_TYPES if t in EXTENSIONS]
    file.seek(0)
    found = sniff(file.read(16))
    file.seek(0)
    if found is None or found not in allowed:
        raise ApplicationError(
            f"This type of file cannot be sent. Allowed: {', '.join(allowed)}.",
            code="unsupported_file_type",
            status_code=415,
        )
    claimed = {declared_type.split(";")[0].strip().lower()}
    claimed.add(CLAIMED.get(os.path.splitext(name)[1].lower(), found))
    claimed -= {"", "application/octet-stream"}
    if claimed - {found}:
        raise ApplicationError(
            f"The file's content is {found}, not what its name or type says.",
            code="file_type_mismatch",
            status_code=415,
        )
    if found in IMAGE_FORMATS and not _decodes_as(file, found):
        raise ApplicationError(
            "The file is not a readable picture.", code="invalid_image", status_code=422
        )
    return found


def _display_name(name: str, content_type: str) -> str:
    stem = os.path.splitext(os.path.basename(name))[0][:100]
    try:
        stem = get_valid_filename(stem)
    except Exception:  # a name of dots only: Django refuses it; the file keeps a plain one
        stem = "file"
    return f"{stem}{EXTENSIONS[content_type]}"


def attachment_payload(*, url: str, name: str, content_type: str, size: int) -> dict[str, Any]:
    """A file message's payload: `type` and `url` as Messenger, WhatsApp and Telegram's
    senders read them, Botpress's `image`/`file` field and `title`, and `attachments` as the
    web chat and the workspace show them."""
    kind = "image" if content_type.startswith("image/") else "file"
    return {
        "type": kind,
        "url": url,
        kind: url,
        "title": name,
        "attachments": [
            {"type": kind, "url": url, "name": name, "mimeType": content_type, "size": size}
        ],
    }


def attachment_send(
    *,
    conversation: Conversation,
    agent: User,
    file: File,
    declared_type: str = "",
    text: str = "",
    base_url: str,
) -> Message:
    """Checked, then sent as the agent (the same rules as a text), then stored: a refused
    message stores nothing."""
    name = file.name or "file"
    content_type = attachment_check(
        file=file, name=name, size=file.size or 0, declared_type=declared_type
    )
    display = _display_name(name, content_type)
    token = secrets.token_urlsafe(32)
    url = base_url.rstrip("/") + reverse("attachment", args=[token, display])
    payload = attachment_payload(url=url, name=display, content_type=content_type, size=file.size)
    with transaction.atomic():
        message = message_send_agent(
            conversation=conversation, agent=agent, text=text, payload=payload
        )
        attachment = Attachment(
            message=message,
            token=token,
            name=display,
            content_type=content_type,
            size=file.size,
            uploaded_by=agent,
        )
        file.seek(0)
        attachment.file.save(f"{secrets.token_urlsafe(16)}{EXTENSIONS[content_type]}", file, False)
        try:
            attachment.save()
        except Exception:
            attachment.file.delete(save=False)
            raise
    return message


def forget_file(sender: type, instance: Attachment, **kwargs: Any) -> None:
    """A deleted attachment (with its message: erasure, retention) takes its file along, once
    the deletion commits."""
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))
