"""A webhook endpoint in Botpress's format: what HITL-next's eventsWebHook receiver gets
(modules/hitlnext/src/backend/webhook.ts send, fed by service.ts sendPayload with
`{botId, type, resource, id, payload}`), with its configured headers (config.ts Webhook)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.core.exceptions import ValidationError

from handoffs import services
from handoffs.models import WebhookEndpoint
from handoffs.services.delivery_engine import deliveries_deliver_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def botpress_endpoint(httpserver, workspace):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    return WebhookEndpoint.objects.create(
        workspace=workspace,
        url=httpserver.url_for("/hook"),
        format=WebhookEndpoint.Format.BOTPRESS,
        headers={"Authorization": "Bearer receiver-token"},
        event_types=["handoff.created", "handoff.updated"],
    )


def received(httpserver) -> list:
    return [(request, json.loads(request.data)) for request, _ in httpserver.log]


def test_a_new_and_an_assigned_handoff_reach_a_botpress_receiver(
    botpress_endpoint, httpserver, bot, conversation, agent
):
    handoff, _ = services.handoff_request(conversation=conversation)
    services.handoff_assign(handoff=handoff, agent=agent)

    deliveries_deliver_due()

    (created_request, created), (_, updated) = received(httpserver)
    assert set(created) == {"botId", "type", "resource", "id", "payload"}
    assert (created["botId"], created["type"], created["resource"], created["id"]) == (
        bot.bot_id,
        "create",
        "handoff",
        handoff.pk,
    )
    assert created["payload"]["userId"] == conversation.end_user.external_id
    assert (updated["type"], updated["payload"]["status"]) == ("update", "assigned")
    assert created_request.headers["Authorization"] == "Bearer receiver-token"
    signature = hmac.new(
        botpress_endpoint.secret.encode(), created_request.data, hashlib.sha256
    ).hexdigest()
    assert created_request.headers["X-Hitl-Signature"] == f"sha256={signature}"


def test_custom_headers_never_replace_the_signature(httpserver, workspace, bot, conversation):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    WebhookEndpoint.objects.create(
        workspace=workspace,
        url=httpserver.url_for("/hook"),
        headers={"X-Hitl-Signature": "forged", "Content-Type": "text/plain"},
    )
    services.handoff_request(conversation=conversation)

    deliveries_deliver_due()

    request, _ = received(httpserver)[0]
    assert request.headers["X-Hitl-Signature"].startswith("sha256=")
    assert request.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "headers", [["Authorization"], {"X-A": 1}, {"X-A": "a\r\nX-B: b"}, {"X-A": "é"}]
)
def test_headers_that_cannot_be_sent_are_refused_in_the_admin(headers, workspace):
    endpoint = WebhookEndpoint(workspace=workspace, url="https://example.com/h", headers=headers)

    with pytest.raises(ValidationError) as error:
        endpoint.full_clean()

    assert "headers" in error.value.message_dict
