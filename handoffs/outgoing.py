"""Requests to addresses that someone typed in: webhook endpoints and bot webhooks (a workspace
admin's), and the Graph API (the operator's). http(s) only, and never to this machine, a private
network or a cloud's metadata service, unless `OUTGOING_ALLOWED_NETWORKS` lets an address in.

The check runs where the connection is opened, on the addresses the name resolved to, and the
socket connects to one of those very addresses: there is no second lookup that a name switching
from a public to a private answer (DNS rebinding) could win. The Host header, TLS's SNI and the
certificate check still use the host name of the URL. No proxy from the environment is used (a
proxy would resolve and connect on its own, out of reach of the check) and redirects are not
followed; a followed one would open its connection through the same check.

Tenants are told only that an address is not allowed or not reachable; the reason (the address
a name resolved to, a refused port) goes to the server log, else the delivery log would map the
operator's network for them.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings
from django.core.exceptions import ValidationError

logger = logging.getLogger(__name__)

SCHEMES = ("http", "https")

# What a tenant reads in the delivery log, an endpoint's disabled reason or a message's delivery
# error: never which address a name resolved to, nor how a port answered.
NOT_ALLOWED = "This address is not allowed: hitl sends only to public internet addresses."
UNREACHABLE = "The destination refused the connection or is not reachable."
TIMED_OUT = "The destination did not answer in time."
TLS_FAILED = "The secure connection (TLS) to the destination failed."
FAILED = "The request failed before the destination answered."

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# IPv6 addresses that carry an IPv4 address: judged by the IPv4 address they lead to.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class AddressNotAllowed(httpx.ConnectError):
    """The destination is (or resolves to) an address hitl must not reach; nothing was sent."""


# --- the rule ------------------------------------------------------------------------------


def address_allowed(address: IPAddress) -> bool:
    """A public unicast address, or one inside OUTGOING_ALLOWED_NETWORKS."""
    target = _leads_to(address)
    allowed: Iterable[IPNetwork] = settings.OUTGOING_ALLOWED_NETWORKS
    if any(address in network or target in network for network in allowed):
        return True
    return _public(target)


def _leads_to(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
        if address.sixtofour is not None:
            return address.sixtofour
    return address


def _public(address: IPAddress) -> bool:
    # `is_global` alone lets multicast through (and, before Python 3.12.4, IPv4-mapped and
    # site-local IPv6): each property is asked.
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


# --- on save -------------------------------------------------------------------------------


def validate_url(value: str) -> None:
    """Field validator: an http(s) URL with a host, and no IP address that would be refused.

    Host names are judged when a request goes out, on what they resolve to then.
    """
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        raise ValidationError("Enter a valid http:// or https:// address.") from None
    if parts.scheme.lower() not in SCHEMES:
        raise ValidationError("Only http:// and https:// addresses are allowed.")
    if not host:
        raise ValidationError("The address needs a host name, e.g. https://example.com/hook.")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        return
    if not address_allowed(literal):
        raise ValidationError(NOT_ALLOWED)


# --- on connect ----------------------------------------------------------------------------


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket opener, resolving the host itself and connecting only to addresses
    it has checked."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = _resolve(host, port)
        refused = [address for address in addresses if not address_allowed(address)]
        if refused:
            # A name answering one private address among public ones is refused whole.
            shown = ", ".join(map(str, refused))
            logger.warning("outgoing request to %s port %s refused: %s", host, port, shown)
            raise AddressNotAllowed(f"{host} resolves to {shown}, which is not allowed")
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                # An IP literal: create_connection makes no DNS query for it.
                return super().connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None
        raise failure


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise httpcore.ConnectError(f"{host} does not resolve: {error}") from error
    addresses: list[IPAddress] = []
    for family, _, _, _, sockaddr in answers:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise httpcore.ConnectError(f"{host} has no IP address")
    return addresses


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with its connection pool opening sockets through GuardedBackend."""

    def __init__(self) -> None:
        context = _ssl_context()
        super().__init__(verify=context, trust_env=False)
        # httpx offers no argument for httpcore's network backend: the pool is built again with
        # it. Should httpx rename `_pool`, refuse to run unguarded (tests/reliability/test_ssrf.py
        # fails too).
        if not isinstance(getattr(self, "_pool", None), httpcore.ConnectionPool):
            raise RuntimeError("httpx.HTTPTransport changed: the outgoing guard cannot hook in")
        self._pool = httpcore.ConnectionPool(ssl_context=context, network_backend=GuardedBackend())


_context_lock = threading.Lock()
_context: ssl.SSLContext | None = None


def _ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle costs milliseconds, and a client is made per bot webhook post.
    global _context
    with _context_lock:
        if _context is None:
            _context = httpx.create_ssl_context(trust_env=False)
        return _context


def client(*, timeout: float | httpx.Timeout) -> httpx.Client:
    """An httpx client for addresses someone typed in: checked at connect time, no proxies from
    the environment, no redirects followed."""
    return httpx.Client(
        transport=GuardedTransport(),
        timeout=timeout,
        trust_env=False,
        follow_redirects=False,
    )


# --- what tenants read ---------------------------------------------------------------------


def public_reason(error: Exception) -> str:
    """What a tenant may read about a failed request: no address, port or low-level error."""
    if isinstance(error, AddressNotAllowed | httpx.UnsupportedProtocol | httpx.InvalidURL):
        return NOT_ALLOWED
    if _caused_by(error, ssl.SSLError):
        return TLS_FAILED
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout):
        return UNREACHABLE
    if isinstance(error, httpx.TimeoutException):
        return TIMED_OUT
    return FAILED


def never_retried(error: Exception) -> bool:
    """True for a refusal that trying again cannot change."""
    return isinstance(error, AddressNotAllowed | httpx.UnsupportedProtocol | httpx.InvalidURL)


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = error
    for _ in range(10):  # a chain may loop
        if seen is None:
            return False
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
