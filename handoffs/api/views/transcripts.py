"""A conversation's transcript: downloaded as one HTML file, or e-mailed to its end user."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ... import services
from ...selectors import conversation_get
from ...transcripts import transcript_filename, transcript_html
from .. import inputs
from ..access import BotApiView
from ..schema import TOKEN_MAY, errors


class TranscriptApi(BotApiView):
    @extend_schema(
        operation_id="conversationTranscript",
        tags=["conversations"],
        summary="Download the transcript",
        description="Every message of the conversation (the user's, the bot's, the agents', "
        "the system's) with its sender and time, the handoffs' steps and links to the files, "
        "as one self-contained HTML page (`Content-Disposition: attachment`). Agents' notes "
        f"are not in it. {TOKEN_MAY}",
        responses={
            (200, "text/html"): OpenApiResponse(OpenApiTypes.STR, description="HTML"),
            **errors(),
        },
    )
    def get(self, request: Request, bot_id: str, conversation_id: int) -> StreamingHttpResponse:
        conversation = conversation_get(bot=self.bot, conversation_id=conversation_id)
        chunks = transcript_html(
            conversation=conversation, base_url=request.build_absolute_uri("/")
        )
        # Under ASGI a plain iterator would be read whole before the first byte goes out.
        content = _pulled(chunks) if isinstance(request._request, ASGIRequest) else chunks
        response = StreamingHttpResponse(content, content_type="text/html; charset=utf-8")
        name = transcript_filename(conversation)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


async def _pulled(chunks: Iterator[str]) -> AsyncIterator[str]:
    """Each chunk made in the request's thread (its database connection), one at a time."""
    step = sync_to_async(_next_of, thread_sensitive=True)
    while (chunk := await step(chunks)) is not None:
        yield chunk


class TranscriptEmailInput(serializers.Serializer):
    to = serializers.EmailField(
        required=False, allow_blank=True, help_text="Default: the user's `variables.email`."
    )


class TranscriptEmailOutput(serializers.Serializer):
    to = serializers.EmailField()


class TranscriptEmailApi(BotApiView):
    @extend_schema(
        operation_id="conversationTranscriptEmail",
        tags=["conversations"],
        summary="E-mail the transcript to the user",
        description="Sends the transcript (plain text and HTML) to `to`, or to the address "
        "the user's variables hold (`email`); 422 `no_email` when neither is known. The "
        "e-mail leaves through the delivery workers, and a `conversation.transcript_sent` "
        f"event says it was asked for. {TOKEN_MAY}",
        request=TranscriptEmailInput,
        responses={202: TranscriptEmailOutput, **errors(429)},
    )
    def post(self, request: Request, bot_id: str, conversation_id: int) -> Response:
        data = inputs.body(TranscriptEmailInput, request)
        conversation = conversation_get(bot=self.bot, conversation_id=conversation_id)
        address = services.transcript_email_send(
            conversation=conversation,
            actor=self.caller.user,
            to=data.get("to", ""),
            base_url=request.build_absolute_uri("/"),
        )
        return Response({"to": address}, status=status.HTTP_202_ACCEPTED)


def _next_of(chunks: Iterator[str]) -> str | None:
    return next(chunks, None)
