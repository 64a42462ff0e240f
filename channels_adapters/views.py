"""HTTP faces of the adapters: the web chat page and its REST fallback, the Messenger and
Telegram and WhatsApp webhooks, and the WhatsApp media and templates agents read."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from agents import limits
from agents.errors import ApplicationError, Forbidden, NotFound
from agents.json_input import loads_safely
from agents.limits import RateLimited
from agents.selectors import membership_get

from . import graph, messenger, services, telegram, web, whatsapp
from .models import WhatsAppMedia

CHAT_COOKIE = "hitl_chat"
CHAT_TOKEN_HEADER = "X-Hitl-Chat-Token"
MAX_CHAT_BODY = 64 * 1024


def application_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refusals answer with the API's error body: {"statusCode", "code", "message"}."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as error:
            body = {"statusCode": error.status_code, "code": error.code, "message": error.message}
            response = JsonResponse({**body, **error.extra}, status=error.status_code)
            if isinstance(error, RateLimited):
                response["Retry-After"] = str(error.retry_after)
            return response

    return wrapper


# The widget shows this page in an iframe on the customer's own site, whichever it is.
# (django-csp types a view as taking the request alone.)
@xframe_options_exempt
@csp_replace({"frame-ancestors": None})  # type: ignore[arg-type]
@require_GET
def chat_page(request: HttpRequest, bot_id: str) -> HttpResponse:
    try:
        bot = services.bot_for_channel(bot_id=bot_id)
    except NotFound:
        raise Http404("Unknown bot.") from None
    token = request.COOKIES.get(CHAT_COOKIE, "")
    try:
        services.web_user_from_token(bot=bot, token=token)
    except Forbidden:
        token = services.web_token_new(bot=bot)
    context = {
        "bot": bot,
        "token": token,
        "max_length": settings.HITL["MAX_TEXT_LENGTH"],
        "embedded": request.GET.get("embed") == "1",
    }
    response = render(request, "chat/chat.html", context)
    # The page carries the token too: inside a cross-site iframe this cookie is not sent, and
    # the script keeps the visitor in localStorage instead.
    response.set_cookie(
        CHAT_COOKIE,
        token,
        max_age=int(timedelta(days=365).total_seconds()),
        path=f"/chat/{bot.bot_id}/",
        samesite="Lax",
        httponly=True,
        secure=request.is_secure(),
    )
    return response


# Authenticated by the X-Hitl-Chat-Token header, never by a cookie, so there is no CSRF to fear.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@application_errors
def chat_messages(request: HttpRequest, bot_id: str) -> HttpResponse:
    """The socket's REST fallback: GET `?after=<id>` polls (`?before=<id>`: the older page),
    POST sends a message."""
    visitor = services.web_visitor(bot_id=bot_id, token=request.headers.get(CHAT_TOKEN_HEADER))
    if request.method == "GET":
        history = services.web_history(
            conversation=visitor.conversation,
            after=_int(request.GET.get("after")),
            before=_int(request.GET.get("before")),
        )
        return JsonResponse({"messages": [web.public_message(m) for m in history]})
    data = _json(_body(request, limit=MAX_CHAT_BODY))
    if not isinstance(data, dict):
        raise ApplicationError("Send a JSON object.", code="invalid_json")
    # A first message makes a new visitor, who is known by their browser's language.
    first = visitor.conversation is None
    services.web_admit(
        bot=visitor.bot, user_id=visitor.user_id, client_ip=limits.client_ip(request), first=first
    )
    received = services.web_receive(
        bot=visitor.bot,
        user_id=visitor.user_id,
        text=data.get("text", ""),
        payload=data.get("payload"),
        client_message_id=data.get("clientMessageId"),
        language=services.browser_language(request.headers.get("Accept-Language"))
        if first
        else None,
    )
    message = web.public_message(services.message_data(received.message))
    return JsonResponse(
        {"message": message, "created": received.created}, status=201 if received.created else 200
    )


# Meta signs the body (X-Hub-Signature-256); that, not a CSRF token, proves the sender.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@application_errors
def messenger_webhook(request: HttpRequest, bot_id: str) -> HttpResponse:
    """GET: Facebook's subscription check. POST: signed page events."""
    page = services.messenger_page_for(bot_id=bot_id)
    return _meta_webhook(
        request,
        verify_token=page.verify_token,
        app_secret=page.app_secret,
        receive=lambda data: messenger.receive_webhook(page=page, data=data),
    )


# Telegram echoes the secret given to setWebhook (X-Telegram-Bot-Api-Secret-Token); that, not a
# CSRF token, proves the sender.
@csrf_exempt
@require_http_methods(["POST"])
@application_errors
def telegram_webhook(request: HttpRequest, bot_id: str) -> HttpResponse:
    """One update of the bot's Telegram bot; kinds hitl does not read are taken and dropped."""
    found = telegram.settings_for(bot_id=bot_id)
    secret = request.headers.get(telegram.SECRET_HEADER)
    if not telegram.secret_valid(telegram=found, header=secret):
        raise Forbidden(
            "Missing or wrong X-Telegram-Bot-Api-Secret-Token for this bot.",
            code="invalid_secret_token",
        )
    body = _body(request, limit=telegram.MAX_BODY_BYTES)
    telegram.receive_update(telegram=found, data=_json(body))
    return HttpResponse(status=200)


# Meta signs the body, as for Messenger.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@application_errors
def whatsapp_webhook(request: HttpRequest, bot_id: str) -> HttpResponse:
    """GET: Meta's subscription check. POST: signed messages and statuses of the number."""
    number = services.whatsapp_number_for(bot_id=bot_id)
    return _meta_webhook(
        request,
        verify_token=number.verify_token,
        app_secret=number.app_secret,
        receive=lambda data: whatsapp.receive_webhook(number=number, data=data),
    )


def _meta_webhook(
    request: HttpRequest, *, verify_token: str, app_secret: str, receive: Callable[[Any], object]
) -> HttpResponse:
    """Messenger's and WhatsApp's webhook: GET subscribes with our verify token, POST brings a
    body signed with the app secret."""
    if request.method == "GET":
        challenge = graph.verify_subscription(verify_token=verify_token, params=request.GET.dict())
        if challenge is None:
            raise Forbidden("Wrong hub.mode or hub.verify_token.", code="invalid_verify_token")
        return HttpResponse(challenge, content_type="text/plain")
    body = _body(request, limit=graph.MAX_BODY_BYTES)
    header = request.headers.get(graph.SIGNATURE_HEADER)
    if not graph.signature_valid(app_secret=app_secret, body=body, header=header):
        raise Forbidden(
            "Missing or wrong X-Hub-Signature-256 for this app secret.", code="invalid_signature"
        )
    receive(_json(body))
    return HttpResponse("EVENT_RECEIVED", content_type="text/plain")


# Played or shown in the page; anything else (a document, an SVG that could hold a script) is
# a download, never a page of ours.
INLINE_IMAGES = ("image/jpeg", "image/png", "image/webp", "image/gif")
INLINE_MEDIA = ("audio/", "video/")


@login_required
@require_GET
def whatsapp_media(request: HttpRequest, bot_id: str, media_id: str) -> HttpResponseBase:
    """A file a WhatsApp user sent, to the agents of the bot's workspace, once fetched."""
    media = (
        WhatsAppMedia.objects.select_related("bot")
        .filter(bot__bot_id=bot_id, media_id=media_id)
        .first()
    )
    if media is None or not _member(request, workspace_id=media.bot.workspace_id):
        raise Http404("Unknown media.")
    if not media.file:
        raise Http404("Not fetched from WhatsApp yet.")
    mime_type = media.mime_type.split(";")[0].strip().lower()
    inline = mime_type in INLINE_IMAGES or mime_type.startswith(INLINE_MEDIA)
    response = FileResponse(
        media.file.open("rb"),
        content_type=media.mime_type if inline else "application/octet-stream",
        as_attachment=not inline,
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
@application_errors
def whatsapp_templates(request: HttpRequest, bot_id: str) -> HttpResponse:
    """The approved templates an agent of the bot's workspace may pick in the composer."""
    number = services.whatsapp_number_for(bot_id=bot_id)
    if not _member(request, workspace_id=number.bot.workspace_id):
        raise NotFound("Unknown bot, or no WhatsApp number connected to it.", code="bot_not_found")
    return JsonResponse({"templates": list(number.templates)})


def _member(request: HttpRequest, *, workspace_id: int) -> bool:
    user_id = request.user.pk
    return (
        user_id is not None
        and membership_get(workspace_id=workspace_id, user_id=user_id) is not None
    )


def _body(request: HttpRequest, *, limit: int) -> bytes:
    too_large = ApplicationError(
        f"The body is larger than {limit} bytes.", code="body_too_large", status_code=413
    )
    if (_int(request.headers.get("Content-Length")) or 0) > limit:
        raise too_large
    body = request.body
    if len(body) > limit:
        raise too_large
    return body


def _json(body: bytes) -> Any:
    try:
        return loads_safely(body)
    except ValueError as error:
        raise ApplicationError(
            f"The body is not valid JSON: {error}", code="invalid_json", status_code=400
        ) from None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
