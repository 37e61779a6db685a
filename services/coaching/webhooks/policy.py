"""Where a webhook may point. Outside development: https only, and the host must resolve to public addresses
only. In development anything http(s) goes, so a local receiver can be used.

"Public" is decided here, not by `ipaddress.is_global` alone, which (Python 3.11) calls 6to4, NAT64, IPv4-
compatible/-translated, site-local (fec0::/10), documentation (3fff::/20) and every multicast address global,
and which changes between patch releases. An IPv4 address is public when it is outside IANA's special-purpose
blocks that are not globally reachable (and outside multicast). An IPv6 address is public when it is global
unicast (2000::/3), outside documentation, benchmarking and IETF protocol blocks, and every IPv4 address it
embeds is public: IPv4-mapped (::ffff:0:0/96, judged as the IPv4 it is), NAT64 well-known (64:ff9b::/96),
6to4 (2002::/16) and Teredo (2001::/32: server bits 32-63, client the inverted last 32 bits). NAT64 local-use
(64:ff9b:1::/48), IPv4-compatible (::/96) and IPv4-translated (::ffff:0:0:0/96) are never public.

The check happens at the connection: `resolve_checked` resolves a name once and refuses unless every address
is public; the delivery transport (transport.py) connects to exactly the addresses it returned."""

import asyncio
import ipaddress
import socket
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from urllib.parse import urlsplit

MAX_URL = 2000

_V4_NOT_PUBLIC = [IPv4Network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4")]
_GLOBAL_UNICAST = IPv6Network("2000::/3")
_MAPPED = IPv6Network("::ffff:0:0/96")
_TRANSLATED = IPv6Network("::ffff:0:0:0/96")
_COMPATIBLE = IPv6Network("::/96")
_NAT64 = IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = IPv6Network("64:ff9b:1::/48")
_SIX_TO_FOUR = IPv6Network("2002::/16")
_TEREDO = IPv6Network("2001::/32")
_V6_NOT_PUBLIC = [IPv6Network(n) for n in (
    "2001::/23",  # IETF protocol assignments (Teredo is judged above), benchmarking, ORCHID
    "2001:db8::/32", "3fff::/20")]  # documentation
_V6_KINDS = [(IPv6Network(n), kind) for n, kind in (
    ("::1/128", "loopback"), ("::/128", "unspecified"), ("fc00::/7", "unique local"), ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local"), ("ff00::/8", "multicast"), ("100::/64", "discard-only"))]


class UrlRefused(ValueError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def shape(url: str, development: bool) -> tuple[str, int]:
    """The host and port of an acceptable URL, or UrlRefused (no network)."""
    if len(url) > MAX_URL:
        raise UrlRefused(f"The URL is longer than {MAX_URL} characters.", "too_long")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # e.g. an unclosed [IPv6 literal
        raise UrlRefused("The URL is not valid.", "invalid") from None
    allowed = ("https", "http") if development else ("https",)
    if parts.scheme not in allowed:
        raise UrlRefused("Webhook URLs must use https." if not development else "Webhook URLs must be http(s).",
                         "scheme")
    if not hostname:
        raise UrlRefused("The URL has no host.", "host")
    if parts.username or parts.password:
        raise UrlRefused("The URL must not carry credentials; the signature authenticates Uplift.", "credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UrlRefused("The URL's port is invalid.", "port") from None
    return hostname, port


def _v4_refusal(ip: IPv4Address) -> str | None:
    if any(ip in net for net in _V4_NOT_PUBLIC) or not ip.is_global:
        return f"{ip} is not a public IPv4 address"
    return None


def _embedded(ip: IPv6Address) -> tuple[str, list[IPv4Address]] | None:
    """The IPv4 addresses an IPv6 form carries, with the form's name."""
    if ip in _NAT64:
        return "NAT64", [IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip in _SIX_TO_FOUR:
        return "6to4", [ip.sixtofour] if ip.sixtofour else []
    if ip in _TEREDO and ip.teredo:
        return "Teredo", list(ip.teredo)
    return None


def _v6_refusal(ip: IPv6Address) -> str | None:
    for net, kind in _V6_KINDS:
        if ip in net:
            return f"{ip} is a {kind} address"
    for net, form in ((_NAT64_LOCAL, "a NAT64 local-use"), (_TRANSLATED, "an IPv4-translated"),
                      (_COMPATIBLE, "an IPv4-compatible")):
        if ip in net:
            return f"{ip} is {form} address (embeds {IPv4Address(int(ip) & 0xFFFFFFFF)})"
    embedded = _embedded(ip)
    if embedded is not None:
        form, v4s = embedded
        inward = [str(v4) for v4 in v4s if _v4_refusal(v4) is not None]
        return f"{ip} is a {form} address embedding {', '.join(inward)}" if inward else None
    if ip not in _GLOBAL_UNICAST or any(ip in net for net in _V6_NOT_PUBLIC) or not ip.is_global:
        return f"{ip} is not a public IPv6 address"
    return None


def refusal(address: str) -> str | None:
    """Why a webhook must not connect to this address, or None when it is public."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # a scoped IPv6 (fe80::1%eth0) is judged unscoped
    except ValueError:
        return f"{address!r} is not an IP address"
    if isinstance(ip, IPv6Address) and ip in _MAPPED:
        ip = IPv4Address(int(ip) & 0xFFFFFFFF)  # a socket to ::ffff:a.b.c.d reaches a.b.c.d
    return _v4_refusal(ip) if isinstance(ip, IPv4Address) else _v6_refusal(ip)


def public(address: str) -> bool:
    return refusal(address) is None


def is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def refuse_unless_public(host: str, addresses: list[str]) -> None:
    """UrlRefused unless every address the host resolved to is public."""
    inward = [why for why in map(refusal, addresses) if why is not None]
    if inward:
        raise UrlRefused(f"The host {host!r} resolves to non-public addresses ({'; '.join(inward)}).",
                         "private_address")


async def resolve_checked(host: str, port: int, development: bool) -> list[str]:
    """Resolve once; outside development, UrlRefused unless every address is public. The addresses returned are
    the ones to connect to."""
    if is_literal(host):
        addresses = [host]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError:
            raise UrlRefused(f"The host {host!r} does not resolve.", "unresolvable") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not development:
        refuse_unless_public(host, addresses)
    return addresses


async def check(url: str, development: bool) -> None:
    """Refuse a URL Uplift must not call (when a subscription is saved): its shape, and outside development
    the addresses its host resolves to now. Each delivery checks again at its connection (transport.py)."""
    host, port = shape(url, development)
    if not development:
        await resolve_checked(host, port, development)
