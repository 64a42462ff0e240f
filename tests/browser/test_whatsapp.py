"""A WhatsApp user's picture reaches the agent (fetched from Meta by a worker, shown in the
transcript), and the agent's answer shows what Meta reports about it, live: sent, then read.

Webhook bodies and the media steps follow Meta's WhatsApp Cloud API references (messages
webhook: image; status webhook: statuses; Media: GET /<media id> then its URL, both with the
access token); see tests/channels_adapters/whatsapp/.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import struct
import time
import zlib
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import expect
from werkzeug import Request, Response

from agents.services import agent_create
from channels_adapters.models import WhatsAppMedia, WhatsAppSentMessage, WhatsAppSettings
from handoffs import services
from handoffs.models import Conversation, Message
from tests.factories import BotFactory
from tests.servers import daphne, delivery_worker

from .conftest import PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"
APP_SECRET = "wa-secret"
USER = "16505551234"


def png(width: int = 40, height: int = 30) -> bytes:
    """A small orange picture."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def graph(make_httpserver):
    """A fake Graph API: it accepts every message (wamid.OUT1, 2...) and holds the picture."""
    server = make_httpserver
    # The session's server may still hold an earlier test's answers (httpserver clears before
    # a test, not after): only ours here.
    server.clear()
    accepted = itertools.count(1)

    def accept(request: Request) -> Response:
        body = {"messaging_product": "whatsapp", "messages": [{"id": f"wamid.OUT{next(accepted)}"}]}
        return Response(json.dumps(body), content_type="application/json")

    server.expect_request(f"/v23.0/{PHONE_NUMBER_ID}/messages", method="POST").respond_with_handler(
        accept
    )
    server.expect_request("/v23.0/m-receipt", method="GET").respond_with_json(
        {"url": server.url_for("/lookaside/m-receipt"), "mime_type": "image/png"}
    )
    server.expect_request("/lookaside/m-receipt", method="GET").respond_with_data(
        png(), content_type="image/png"
    )
    yield server
    server.clear()


@pytest.fixture(scope="module")
def live_url(django_db_setup, graph, tmp_path_factory) -> Iterator[str]:
    # The worker stores the picture where the server reads it; its outcomes reach the page by
    # the server's outbox catch-up.
    env = {
        "WHATSAPP_GRAPH_API_URL": graph.url_for("/v23.0"),
        "HITL_STREAM_CATCHUP_SECONDS": "0.5",
        "MEDIA_ROOT": str(tmp_path_factory.mktemp("media")),
    }
    with daphne(env) as url, delivery_worker(env):
        yield url


def meta_posts(url: str, value: dict) -> httpx.Response:
    body = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": WABA_ID,
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {"phone_number_id": PHONE_NUMBER_ID},
                                **value,
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()
    signature = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return httpx.post(
        f"{url}/channels/whatsapp/shop/",
        content=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={signature}"},
    )


def until(found, what: str, timeout: float = 10):
    """The worker runs in its own process: wait until it has done `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"the worker did not {what} within {timeout} s")


def test_the_users_picture_and_the_answers_delivery(new_page, live_url):
    bot = BotFactory(bot_id="shop", name="Shop")
    WhatsAppSettings.objects.create(
        bot=bot,
        phone_number_id=PHONE_NUMBER_ID,
        waba_id=WABA_ID,
        verify_token="v",
        app_secret=APP_SECRET,
        access_token="wa-token",
    )
    sam = agent_create(
        workspace=bot.workspace, username="sam", password=PASSWORD, display_name="Sam Carter"
    )
    image = {"id": "m-receipt", "mime_type": "image/png", "caption": "My receipt"}
    response = meta_posts(
        live_url,
        {
            "contacts": [{"profile": {"name": "Ada"}, "wa_id": USER}],
            "messages": [{"from": USER, "id": "wamid.IN1", "type": "image", "image": image}],
        },
    )
    assert response.status_code == 200
    conversation = Conversation.objects.get(bot=bot)
    handoff, _ = services.handoff_request(conversation=conversation)
    services.agent_set_online(membership=sam.memberships.get(), online=True)
    services.handoff_assign(handoff=handoff, agent=sam)
    until(
        lambda: WhatsAppMedia.objects.filter(media_id="m-receipt").exclude(file="").exists(),
        "fetch the picture",
    )
    page = new_page(sam)

    page.goto(f"/workspace/{bot.bot_id}/?handoff={handoff.pk}")

    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    picture = page.locator("#transcript .msg--incoming", has_text="My receipt").locator("img")
    expect(picture).to_have_attribute("src", f"{live_url}/channels/whatsapp/shop/media/m-receipt/")
    picture.scroll_into_view_if_needed()
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth === 40", arg=picture.element_handle()
    )

    composer = page.get_by_label("Message to the user")
    composer.fill("Thanks, your refund is on its way")
    composer.press("Enter")
    answer = page.locator("#transcript .msg--agent", has_text="your refund is on its way")
    delivery = answer.locator("[data-slot=delivery]")
    expect(delivery).to_have_text("Sending…")
    wamid = until(
        lambda: (
            WhatsAppSentMessage.objects.filter(message__direction="agent")
            .values_list("wamid", flat=True)
            .first()
        ),
        "send it",
    )
    statuses = [
        {"id": wamid, "status": status, "timestamp": "1750857384", "recipient_id": USER}
        for status in ("sent", "delivered")
    ]
    assert meta_posts(live_url, {"statuses": statuses}).status_code == 200
    expect(delivery).to_have_text("Delivered")
    read = [{"id": wamid, "status": "read", "timestamp": "1750857390", "recipient_id": USER}]
    meta_posts(live_url, {"statuses": read})
    expect(delivery).to_have_text("Read")
    screenshot(page, "whatsapp-picture-and-read.png")
    page.reload()
    expect(delivery).to_have_text("Read")
    assert page.js_errors == []


def test_after_24_hours_the_agent_sends_a_template(new_page, live_url, graph):
    """A free-form answer is refused with the reason; the bot's template goes out instead."""
    bot = BotFactory(bot_id="shop", name="Shop")
    WhatsAppSettings.objects.create(
        bot=bot,
        phone_number_id=PHONE_NUMBER_ID,
        waba_id=WABA_ID,
        verify_token="v",
        app_secret=APP_SECRET,
        access_token="wa-token",
        template_names="order_update en_US\nfeedback_request",
    )
    sam = agent_create(workspace=bot.workspace, username="sam", password=PASSWORD)
    received = services.message_ingest(bot=bot, channel="whatsapp", user_id=USER, text="Hello?")
    Message.objects.filter(pk=received.message.pk).update(
        created_at=received.message.created_at - timedelta(hours=30)
    )
    handoff, _ = services.handoff_request(conversation=received.message.conversation)
    services.agent_set_online(membership=sam.memberships.get(), online=True)
    services.handoff_assign(handoff=handoff, agent=sam)
    page = new_page(sam)
    page.goto(f"/workspace/{bot.bot_id}/?handoff={handoff.pk}")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")

    composer = page.get_by_label("Message to the user")
    composer.fill("Still need help?")
    composer.press("Enter")
    expect(page.locator("#notice-text")).to_contain_text("more than 24 hours ago")
    expect(page.locator("#transcript .msg--agent")).to_have_count(0)

    picker = page.get_by_label("WhatsApp template")
    expect(picker.locator("option")).to_have_text(["order_update", "feedback_request"])
    picker.select_option("order_update")
    page.get_by_role("button", name="Send template").click()

    expect(page.locator("#transcript .msg--agent", has_text="order_update")).to_be_visible()
    sent = until(
        lambda: [
            json.loads(request.get_data())
            for request, _ in graph.log
            if json.loads(request.get_data() or b"{}").get("type") == "template"
        ],
        "send the template",
    )
    assert sent[-1]["template"] == {"name": "order_update", "language": {"code": "en_US"}}
    screenshot(page, "whatsapp-template.png")
    assert page.js_errors == []
