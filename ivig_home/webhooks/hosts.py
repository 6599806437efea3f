"""Where a webhook may go: https to public addresses only, checked when set and when sent.

A webhook URL is fetched by the server, so it must not reach the server's own network (a
loopback, private, link-local, multicast, reserved or unspecified address, in IPv4 or
IPv6, including IPv4 addresses written inside IPv6 ones). The host is resolved when the
URL is set and again before each delivery; a delivery connects to an address from that
same lookup, so a name cannot answer differently between the check and the connection.
`WEBHOOK_ALLOW_PRIVATE_HOSTS` lifts the address rule and allows plain http, for tests and
for a private deployment whose receivers are on its own network.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.ip_network("64:ff9b::/96")
MAX_LENGTH = 2000
SETTING = "WEBHOOK_ALLOW_PRIVATE_HOSTS"
NOT_PUBLIC = ("it must reach a public address: its host is, or resolves to, a loopback, "
              "private, link-local or reserved address.")


class HostRefused(ValueError):
    """A webhook URL or the address its host resolves to was refused; the message says why."""


@dataclass(frozen=True)
class Target:
    """The parts of a webhook URL a delivery needs: scheme, host name, port and path."""

    scheme: str
    host: str
    port: int
    path: str


def private_allowed() -> bool:
    """Return whether http and non-public addresses are allowed (WEBHOOK_ALLOW_PRIVATE_HOSTS)."""
    return bool(current_app.config.get(SETTING, False))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """Return an IPv4 address carried inside an IPv6 one (mapped, 6to4, Teredo, NAT64)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """Return whether an address is a public unicast one (and so is any IPv4 inside it)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return False
        inner = _embedded_ipv4(address)
        if inner is not None and not is_public(inner):
            return False
    return bool(address.is_global and not (
        address.is_private or address.is_loopback or address.is_link_local
        or address.is_multicast or address.is_reserved or address.is_unspecified
        or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)))


def parse(url: str) -> Target:
    """Return the parts of a webhook URL, or refuse one that is not http(s) to a host."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in ("http", "https") or not parts.hostname or port == -1 \
            or len(url) > MAX_LENGTH or any(c.isspace() for c in url):
        raise HostRefused("it must be an https:// address, like "
                          "'https://systems.agency.example/ivig-webhook'.")
    if parts.username is not None or parts.password is not None:
        raise HostRefused("it must not hold a user name or password (the signature shows "
                          "where a notice came from).")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default = 443 if parts.scheme == "https" else 80
    return Target(parts.scheme, parts.hostname, port or default, path)


def resolve(host: str, port: int) -> list[str]:
    """Return every address the host name resolves to, in the order to try them."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in found))


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _refuse_private(addresses: list[str]) -> None:
    for text in addresses:
        if "%" in text or not is_public(ipaddress.ip_address(text)):
            raise HostRefused(NOT_PUBLIC)


def check_url(url: str) -> str:
    """Return a webhook URL that may be stored, or refuse it (the message says why).

    The host is resolved now; a name that does not resolve yet is accepted, since it is
    resolved and checked again before each delivery.
    """
    target = parse(url)
    allowed = private_allowed()
    if target.scheme != "https" and not allowed:
        raise HostRefused("it must use https.")
    if allowed:
        return url
    if "%" in target.host or _literal(target.host) is not None:
        _refuse_private([target.host])
        return url
    name = target.host.rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):  # always loopback (RFC 6761)
        raise HostRefused(NOT_PUBLIC)
    try:
        addresses = resolve(target.host, target.port)
    except UnicodeError:
        raise HostRefused("its host name is not a valid one.") from None
    except OSError:
        return url
    _refuse_private(addresses)
    return url


def addresses_to_send(url: str) -> tuple[Target, list[str]]:
    """Return the URL's parts and the checked addresses to connect to, or refuse to send.

    Called just before each delivery: the addresses come from one lookup, and every one of
    them must be public (unless WEBHOOK_ALLOW_PRIVATE_HOSTS is on).
    """
    target = parse(url)
    allowed = private_allowed()
    try:
        addresses = resolve(target.host, target.port)
    except (OSError, UnicodeError):
        raise HostRefused("the host name did not resolve") from None
    if not addresses:
        raise HostRefused("the host name did not resolve")
    if not allowed:
        try:
            _refuse_private(addresses)
        except HostRefused:
            raise HostRefused("the host is not a public address") from None
        if target.scheme != "https":
            raise HostRefused("plain http is refused")
    return target, addresses
