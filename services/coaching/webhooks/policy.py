"""Where a webhook may point. Outside development: https only, and the host must resolve to public addresses
only (no loopback, private, link-local, multicast, reserved or unspecified ranges) — checked when the
subscription is saved and again before every delivery, so a name that later resolves inward is refused
(DNS rebinding). In development anything http(s) goes, so a local receiver can be used."""

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

MAX_URL = 2000


class UrlRefused(ValueError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def shape(url: str, development: bool) -> tuple[str, int]:
    """The host and port of an acceptable URL, or UrlRefused (no network)."""
    if len(url) > MAX_URL:
        raise UrlRefused(f"The URL is longer than {MAX_URL} characters.", "too_long")
    parts = urlsplit(url)
    allowed = ("https", "http") if development else ("https",)
    if parts.scheme not in allowed:
        raise UrlRefused("Webhook URLs must use https." if not development else "Webhook URLs must be http(s).",
                         "scheme")
    if not parts.hostname:
        raise UrlRefused("The URL has no host.", "host")
    if parts.username or parts.password:
        raise UrlRefused("The URL must not carry credentials; the signature authenticates Uplift.", "credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UrlRefused("The URL's port is invalid.", "port") from None
    return parts.hostname, port


def public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
                or ip.is_unspecified or not ip.is_global)


async def check(url: str, development: bool) -> None:
    """Refuse a URL Uplift must not call; outside development its host must resolve to public addresses."""
    host, port = shape(url, development)
    if development:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise UrlRefused(f"The host {host!r} does not resolve.", "unresolvable") from None
    addresses = {info[4][0] for info in infos}
    inward = sorted(a for a in addresses if not public(str(a)))
    if inward:
        raise UrlRefused(f"The host {host!r} resolves to non-public addresses ({', '.join(map(str, inward))}).",
                         "private_address")
