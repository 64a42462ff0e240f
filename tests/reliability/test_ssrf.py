"""Outgoing requests to addresses a workspace admin typed (webhooks, bot webhooks) never reach
this machine or a private network, even through DNS, and their errors map nothing for tenants.

Red-team finding 4 of issue 19. The receivers here listen on loopback addresses; the test
settings allow loopback (tests/conftest.py), so each test sets the allow-list it means.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterator

import httpcore
import pytest
from django.core.exceptions import ValidationError
from pytest_httpserver import HTTPServer
from werkzeug import Response

from channels_adapters import services as adapter_services
from channels_adapters.models import MessengerSettings
from handoffs import outgoing, services
from handoffs.models import Bot, Delivery, WebhookEndpoint
from tests.admin_forms import post_bot_admin
from tests.deliveries import deliver_due
from tests.factories import ConversationFactory
from tests.servers import free_port

pytestmark = pytest.mark.django_db

NOT_ALLOWED = "This address is not allowed: hitl sends only to public internet addresses."
UNREACHABLE = "The destination refused the connection or is not reachable."
# What the checked name answers (an address the allow-list admits) and the private one it
# switches to: both on this machine, so no packet leaves it.
PUBLIC, PRIVATE = "127.0.0.2", "127.0.0.1"


def allow(settings, *networks: str) -> None:
    settings.OUTGOING_ALLOWED_NETWORKS = [ipaddress.ip_network(n) for n in networks]


def on_this_machine(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return (getattr(ip, "ipv4_mapped", None) or ip).is_loopback


@pytest.fixture(autouse=True)
def connections(monkeypatch) -> list[tuple[str, int]]:
    """Every address a socket was opened to; one off this machine is refused, never tried."""
    opened: list[tuple[str, int]] = []
    real = socket.create_connection

    def create_connection(address, *args, **kwargs):
        host, port = address[0], address[1]
        opened.append((host, port))
        answers = {answer[4][0] for answer in socket.getaddrinfo(host, port)}
        if not all(on_this_machine(answer) for answer in answers):
            raise ConnectionRefusedError(f"test: no connection leaves this machine ({host})")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return opened


@pytest.fixture
def servers() -> Iterator[tuple[HTTPServer, HTTPServer]]:
    """Two receivers on one port: a "public" one on 127.0.0.2, a "private" one on 127.0.0.1."""
    port = free_port()
    public, private = HTTPServer(host=PUBLIC, port=port), HTTPServer(host=PRIVATE, port=port)
    for server in (public, private):
        server.expect_request("/hook").respond_with_data("ok")
        server.start()
    yield public, private
    for server in (public, private):
        server.clear()
        server.stop()


@pytest.fixture
def rebinding_dns(monkeypatch):
    """`rebind.test` answers PUBLIC to its first lookup and PRIVATE to every later one."""
    real = socket.getaddrinfo
    answers = [PUBLIC]

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "rebind.test":
            return real(host, port, *args, **kwargs)
        address = answers.pop() if answers else PRIVATE
        return real(address, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def endpoint_for(workspace, url: str) -> WebhookEndpoint:
    # Saved as an older row or a name that resolved elsewhere then: no validation on the way.
    return WebhookEndpoint.objects.create(workspace=workspace, url=url)


def say(bot, text: str = "hello") -> None:
    services.message_ingest(bot=bot, channel="web", user_id="u1", text=text)


def last_error(kind: str = "webhook") -> str:
    return Delivery.objects.get(kind=kind).last_error


# --- on save -------------------------------------------------------------------------------


def errors_for(endpoint: WebhookEndpoint) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        endpoint.full_clean()
    return refused.value.message_dict["url"]


def test_an_ftp_endpoint_is_refused_on_save(workspace):
    errors = errors_for(WebhookEndpoint(workspace=workspace, url="ftp://example.com/hook"))

    assert errors == ["Only http:// and https:// addresses are allowed."]


def test_an_endpoint_without_a_host_is_refused_on_save(workspace):
    errors = errors_for(WebhookEndpoint(workspace=workspace, url="http://"))

    assert "The address needs a host name, e.g. https://example.com/hook." in errors


def test_a_loopback_address_is_refused_on_save(settings, workspace):
    allow(settings)

    errors = errors_for(WebhookEndpoint(workspace=workspace, url="http://127.0.0.1:6379/"))

    assert errors == [NOT_ALLOWED]


def test_the_admin_refuses_an_ftp_bot_webhook(bot):
    response = post_bot_admin(bot, bot_webhook_url="ftp://files.example.com/bot")

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["bot_webhook_url"]
    assert "Only http:// and https:// addresses are allowed." in errors["bot_webhook_url"]
    bot.refresh_from_db()
    assert bot.bot_webhook_url == ""


# --- on connect ----------------------------------------------------------------------------


def test_a_loopback_endpoint_is_refused_and_receives_nothing(settings, httpserver, workspace, bot):
    allow(settings)
    httpserver.expect_request("/hook").respond_with_data("ok")
    endpoint_for(workspace, f"http://127.0.0.1:{httpserver.port}/hook")
    say(bot)

    assert deliver_due() == 0

    assert httpserver.log == []
    assert last_error() == NOT_ALLOWED


def test_a_name_resolving_to_loopback_is_refused(settings, httpserver, workspace, bot, connections):
    allow(settings)
    httpserver.expect_request("/hook").respond_with_data("ok")
    endpoint_for(workspace, f"http://localhost:{httpserver.port}/hook")
    say(bot)

    deliver_due()

    assert httpserver.log == []
    assert connections == []
    assert last_error() == NOT_ALLOWED


def test_a_rebinding_name_never_reaches_the_private_address(
    settings, servers, rebinding_dns, workspace, bot, connections
):
    public, private = servers
    allow(settings, f"{PUBLIC}/32")
    endpoint_for(workspace, f"http://rebind.test:{public.port}/hook")
    say(bot, "first")

    # Checked when it answered PUBLIC, and the socket went to that very address.
    assert deliver_due() == 1
    assert connections == [(PUBLIC, public.port)]
    request, _ = public.log[0]
    assert request.headers["Host"] == f"rebind.test:{public.port}"

    # Its next answer is PRIVATE: refused before any socket is opened.
    say(bot, "second")
    assert deliver_due() == 0
    assert connections == [(PUBLIC, public.port)]
    assert private.log == []
    assert len(public.log) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]:{port}/hook",
        "http://[::1]:{port}/hook",
        "http://10.0.0.5:{port}/hook",
        "http://100.64.0.1/hook",
        "http://[fd00::1]/hook",
        "http://0.0.0.0:{port}/hook",
    ],
)
def test_metadata_mapped_and_private_addresses_are_refused(
    settings, httpserver, workspace, bot, connections, url
):
    allow(settings)
    httpserver.expect_request("/hook").respond_with_data("ok")
    endpoint_for(workspace, url.format(port=httpserver.port))
    say(bot)

    deliver_due()

    assert connections == []
    assert httpserver.log == []
    assert last_error() == NOT_ALLOWED


def test_an_open_and_a_closed_port_read_the_same(settings, httpserver, workspace, bot):
    allow(settings)
    settings.HITL = {**settings.HITL, "WEBHOOK_MAX_FAILURES": 1}
    httpserver.expect_request("/hook").respond_with_response(Response("+OK redis", 500))
    closed = free_port()
    open_one = endpoint_for(workspace, f"http://127.0.0.1:{httpserver.port}/hook")
    closed_one = endpoint_for(workspace, f"http://127.0.0.1:{closed}/hook")
    say(bot)

    deliver_due()

    seen = {(d.last_error, d.last_status_code, d.last_response) for d in Delivery.objects.all()}
    assert seen == {(NOT_ALLOWED, None, "")}
    for endpoint in (open_one, closed_one):
        endpoint.refresh_from_db()
        assert not endpoint.active
        assert NOT_ALLOWED in endpoint.disabled_reason
        assert not re.search(rf"{httpserver.port}|{closed}|Errno|Error", endpoint.disabled_reason)


def test_a_refused_connection_to_an_allowed_host_names_no_port(settings, workspace, bot):
    allow(settings, "127.0.0.1/32")
    closed = free_port()
    endpoint_for(workspace, f"http://127.0.0.1:{closed}/hook")
    say(bot)

    deliver_due()

    assert last_error() == UNREACHABLE


def test_with_loopback_allowed_delivery_works(settings, httpserver, workspace, bot):
    allow(settings, "127.0.0.1/32")
    httpserver.expect_request("/hook").respond_with_data("ok")
    endpoint_for(workspace, f"http://127.0.0.1:{httpserver.port}/hook")
    say(bot)

    assert deliver_due() == 1

    assert len(httpserver.log) == 1


def test_a_redirect_is_checked_like_the_first_address(settings, servers):
    public, private = servers
    allow(settings, f"{PUBLIC}/32")
    public.expect_request("/moved").respond_with_response(
        Response(status=307, headers={"Location": f"http://{PRIVATE}:{private.port}/hook"})
    )

    with outgoing.client(timeout=5) as client:
        # Not followed by default; where a caller asks for it, the next hop is checked too.
        assert client.post(public.url_for("/moved")).status_code == 307
        with pytest.raises(outgoing.AddressNotAllowed):
            client.post(public.url_for("/moved"), follow_redirects=True)

    assert private.log == []


def test_a_proxy_from_the_environment_is_not_used(
    settings, servers, httpserver, monkeypatch, workspace, bot
):
    public, _ = servers
    allow(settings, f"{PUBLIC}/32")
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{httpserver.port}")
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    endpoint_for(workspace, public.url_for("/hook"))
    say(bot)

    assert deliver_due() == 1

    assert httpserver.log == []
    assert len(public.log) == 1


# --- bot webhooks and Messenger ------------------------------------------------------------


def test_a_loopback_bot_webhook_is_refused(settings, httpserver, bot, connections):
    allow(settings)
    httpserver.expect_request("/bot").respond_with_data("ok")
    Bot.objects.filter(pk=bot.pk).update(bot_webhook_url=f"http://localhost:{httpserver.port}/bot")
    bot.refresh_from_db()

    adapter_services.inbound_receive(bot=bot, channel="web", user_id="visitor-1", text="hi")
    deliver_due()

    assert httpserver.log == []
    assert connections == []
    assert last_error("bot") == NOT_ALLOWED


def test_a_messenger_delivery_error_names_no_address(settings, bot):
    allow(settings)
    closed = free_port()
    settings.MESSENGER_GRAPH_API_URL = f"http://127.0.0.1:{closed}/v19.0"
    MessengerSettings.objects.create(
        bot=bot, page_id="1001", verify_token="v", app_secret="s", page_access_token="t"
    )
    conversation = ConversationFactory(end_user__bot=bot, end_user__channel="messenger")

    message = services.message_send_bot(conversation=conversation, text="Hi")
    deliver_due()

    message.refresh_from_db()
    assert message.delivery_status == "failed"
    assert message.delivery_error == NOT_ALLOWED
    assert str(closed) not in message.delivery_error


def test_the_guarded_transport_opens_its_sockets_through_the_guard():
    """httpx offers no hook for the network backend: this fails when its internals move."""
    transport = outgoing.GuardedTransport()

    assert isinstance(transport._pool, httpcore.ConnectionPool)
    assert isinstance(transport._pool._network_backend, outgoing.GuardedBackend)
