"""Where webhook deliveries may go (no SSRF into the server's own network).

With ``CODEANNALS_WEBHOOK_ALLOWED_HOSTS`` (comma-separated ``host`` or ``host:port`` entries) a
destination must be one of those; without it, a destination must resolve only to public addresses:
loopback, link-local, private, shared (CGNAT), multicast, reserved and unspecified addresses are
refused. The check is made on the addresses DNS gives (every one of them), when a webhook is saved,
before each attempt and on every redirect; the request then goes to the address that was checked.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from domain.notifications.webhooks import MAX_URL
from domain.shared.errors import Invalid


class Refused(Invalid):
    """A destination the server will not send to."""


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str
    port: int
    address: str  # the checked IP address the request goes to
    target: str  # path and query


def parse_allowed(raw: str | None) -> frozenset[str]:
    return frozenset(part.strip().lower() for part in (raw or "").split(",") if part.strip())


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    shared = isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10")
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
                or ip.is_unspecified or shared or not ip.is_global)


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"the webhook host {host!r} cannot be resolved") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise Refused(f"the webhook host {host!r} cannot be resolved")
    return addresses


def check_url(url: object) -> str:
    """A well-formed http(s) URL (not yet checked against the network)."""
    if not isinstance(url, str) or not url.strip():
        raise Invalid("url must be an http or https URL")
    url = url.strip()
    if len(url) > MAX_URL:
        raise Invalid(f"url must be at most {MAX_URL} characters long")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("url must be an http or https URL with a host")
    if parts.username or parts.password:
        raise Invalid("url must not carry a user name or password")
    try:
        _ = parts.port
    except ValueError:
        raise Invalid("url has an invalid port") from None
    return url


def destination(url: str, allowed: Iterable[str]) -> Destination:
    """Where ``url`` leads, checked; Refused when it may not be sent to."""
    url = check_url(url)
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    allowed = frozenset(allowed)
    addresses = _resolve(host, port)
    if allowed:
        if host not in allowed and f"{host}:{port}" not in allowed:
            raise Refused(f"webhooks may only go to {', '.join(sorted(allowed))} (CODEANNALS_WEBHOOK_ALLOWED_HOSTS),"
                          f" not {host}")
    else:
        refused = [a for a in addresses if not _is_public(a)]
        if refused:
            raise Refused(f"webhooks may not go to {host}: it resolves to a loopback, link-local or private "
                          f"address ({refused[0]}); set CODEANNALS_WEBHOOK_ALLOWED_HOSTS to allow it")
    return Destination(parts.scheme, host, port, addresses[0], target)
