"""An agent sends a file to the user: a multipart upload, checked, stored, sent as a message."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from agents.errors import ApplicationError

from ... import services
from ...representations import MessageRepresentation
from ...selectors import conversation_by_id_or_thread
from ..access import BotApiView
from ..schema import AGENT_ONLY, errors

# Room for the multipart envelope and a caption around the file itself.
FORM_OVERHEAD = 64 * 1024


class AttachmentSendInput(serializers.Serializer):
    file = serializers.FileField(help_text="The file: a picture (JPEG, PNG, GIF, WebP) or a PDF.")
    text = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="A caption sent with it."
    )


class ConversationAttachmentsApi(BotApiView):
    parser_classes = [MultiPartParser]

    def initial(self, request: Request, *args, **kwargs) -> None:
        # Before anything parses the body (the CSRF check does): a body its length says is far
        # too big is refused as it is, its file never written out as an upload.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.AGENT_UPLOAD_MAX_BYTES
        if length > limit + FORM_OVERHEAD:
            raise ApplicationError(
                f"The file is larger than {limit} bytes.", code="file_too_large", status_code=413
            )
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="conversationSendAttachment",
        tags=["conversations"],
        summary="Send a file to the user as the calling agent",
        description="Multipart: `file` and an optional `text`. The same rules as writing to the "
        "user. The file's type is read from its content: `AGENT_UPLOAD_TYPES` (415 for others, "
        "or for a file whose name or type says something else), at most "
        "`AGENT_UPLOAD_MAX_BYTES` (413), a picture must decode (422). Nothing is stored when "
        "refused. The message's payload carries the file's unguessable address (`url`, "
        "`attachments`), which the user's channel fetches without signing in. "
        f"{AGENT_ONLY}",
        request={"multipart/form-data": AttachmentSendInput},
        responses={
            201: OpenApiResponse(MessageRepresentation, description="Sent."),
            **errors(413, 415),
        },
    )
    def post(self, request: Request, bot_id: str, conversation: str) -> Response:
        found = conversation_by_id_or_thread(bot=self.bot, id_or_thread=conversation)
        agent = self.agent()
        data = AttachmentSendInput(data=request.data)
        if not data.is_valid():
            raise ApplicationError(
                "Send the file as the multipart field `file`.", code="file_required"
            )
        upload = data.validated_data["file"]
        message = services.attachment_send(
            conversation=found,
            agent=agent,
            file=upload,
            declared_type=upload.content_type or "",
            text=data.validated_data["text"],
            base_url=request.build_absolute_uri("/"),
        )
        return Response(MessageRepresentation(message).data, status=status.HTTP_201_CREATED)
