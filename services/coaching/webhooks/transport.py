"""The HTTP client webhooks are delivered with: httpx over httpx-aiohttp's transport (as the services' own
clients, common/http.py), its aiohttp connector resolving every new connection's host through
`PolicyResolver`. That resolver asks the system once (aiohttp's `ThreadedResolver`: getaddrinfo, /etc/hosts
honoured), refuses unless every answer is public (outside development) and hands the connector exactly the
addresses it checked: the connection goes to a checked address, so a name rebound between a check and the
connect cannot lead inward. TLS is untouched: the connector still sends the URL's hostname as SNI and
verifies the certificate against it, and the Host header is the URL's. IP literals never reach a resolver;
the deliverer checks them (policy.refuse_unless_public) before sending.

Why not a hand-made socket or an IP-in-the-URL rewrite: aiohttp's `resolver=` is its documented extension
point for exactly this; rewriting the URL to the IP would key pooled keep-alive connections by IP, so two
hostnames on one IP (virtual hosting) could share a TLS session verified for only one of them.
"""

import functools
import socket
import ssl

import aiohttp
import httpx
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from httpx_aiohttp import AiohttpTransport

from services.coaching.webhooks import policy


class PolicyResolver(AbstractResolver):
    """Resolve once, check every address against the policy, return exactly the checked addresses."""

    def __init__(self, *, development: bool, inner: AbstractResolver | None = None) -> None:
        self.development = development
        self._inner = inner or ThreadedResolver()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        try:
            answers = await self._inner.resolve(host, port, family=family)
        except OSError:
            raise policy.UrlRefused(f"The host {host!r} does not resolve.", "unresolvable") from None
        if not self.development:
            policy.refuse_unless_public(host, [answer["host"] for answer in answers])
        return answers

    async def close(self) -> None:
        await self._inner.close()


def pinned_client(*, development: bool, timeout: httpx.Timeout, verify: ssl.SSLContext | bool = True,
                  max_connections: int = 100) -> httpx.AsyncClient:
    """An httpx client whose connections go only where the policy allows (see the module's docstring).
    No proxies from the environment (a proxy would connect on our behalf, unchecked), no cookies, no redirects."""
    context = verify if isinstance(verify, ssl.SSLContext) else _context(verify)

    def session() -> aiohttp.ClientSession:  # built on first use, inside the running loop
        connector = aiohttp.TCPConnector(resolver=PolicyResolver(development=development), use_dns_cache=False,
                                         ssl=context, limit=max_connections)
        return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False)

    transport = AiohttpTransport(client=session, verify=context)  # not a second context of its own
    return httpx.AsyncClient(transport=transport, timeout=timeout, follow_redirects=False, trust_env=False)


@functools.cache
def _context(verify: bool) -> ssl.SSLContext:
    """The system's default TLS context, loaded once per process (loading the CA bundle costs ~20 ms of CPU;
    a context is safe to share between clients)."""
    return httpx.create_ssl_context(verify=verify, trust_env=False)
