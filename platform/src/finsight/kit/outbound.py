"""Outbound HTTP to addresses people type in (webhooks): never to this machine or a private
network.

The host is resolved at send time and every address it resolves to must be public (not
loopback, private, link-local, shared, reserved, multicast or unspecified); the request then
goes to the address that was checked (the Host header and TLS SNI keep the name), so a DNS
answer that changes between check and connect cannot redirect it. `allow_private` (a setting,
for development and tests) turns the check off.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx


class AddressRefused(Exception):
    """The URL's host is, or resolves to, an address outbound requests must not reach."""


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


@dataclass(frozen=True)
class Target:
    """Where to connect (`url`, an address once checked) and the name the server knows."""

    url: str
    host: str
    sni_hostname: str | None


def resolve(url: str, *, allow_private: bool) -> Target:
    """Check `url` (http or https) and pin it to a checked address; raises AddressRefused."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused(f"not an http(s) URL: {parts.scheme or '(none)'}://")
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    if allow_private:
        return Target(url, host_header, None)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise AddressRefused(f"cannot resolve {host}: {exc}") from exc
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    refused = [a for a in addresses if not is_public(a)]
    if not addresses or refused:
        raise AddressRefused(
            f"{host} resolves to a non-public address ({refused[0] if refused else 'none'})"
        )
    address = addresses[0]
    literal = f"[{address}]" if address.version == 6 else str(address)
    pinned = urlunsplit((parts.scheme, f"{literal}:{port}", parts.path, parts.query, ""))
    return Target(pinned, host_header, host if parts.scheme == "https" else None)


def post(
    client: httpx.Client,
    url: str,
    *,
    content: bytes,
    headers: dict[str, str],
    allow_private: bool,
    timeout: float,
) -> httpx.Response:
    """POST to `url` after `resolve`; never follows redirects (a redirect could point inside)."""
    target = resolve(url, allow_private=allow_private)
    extensions = {"sni_hostname": target.sni_hostname} if target.sni_hostname else {}
    return client.post(
        target.url,
        content=content,
        headers={**headers, "Host": target.host},
        timeout=timeout,
        follow_redirects=False,
        extensions=extensions,
    )
