"""A real HTTP(S) server on 127.0.0.1 that records what webhooks deliver and answers with the statuses it is
told (aiohttp, already installed as httpx's network transport). With a `gate`, every request is recorded on
arrival and then held until the gate opens (a slow receiver)."""

import asyncio
import ssl
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    url: str = ""
    port: int = 0
    statuses: list[int] = field(default_factory=list)  # answered in turn; then 200
    received: list[Received] = field(default_factory=list)
    gate: asyncio.Event | None = None

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append(Received(request.path, {k.lower(): v for k, v in request.headers.items()},
                                      await request.text()))
        if self.gate is not None:
            await self.gate.wait()
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    def per_message(self) -> Counter[str]:
        """How many times each webhook-id arrived."""
        return Counter(r.headers["webhook-id"] for r in self.received)


@asynccontextmanager
async def receiver(tls: ssl.SSLContext | None = None, host: str = "127.0.0.1") -> AsyncIterator[Receiver]:
    """`host` only names the server in `url` (it listens on 127.0.0.1 either way)."""
    r = Receiver()
    app = web.Application()
    app.router.add_post("/{tail:.*}", r.handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls)
    await site.start()
    r.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    r.url = f"{'https' if tls else 'http'}://{host}:{r.port}/hooks/uplift"
    try:
        yield r
    finally:
        if r.gate is not None:
            r.gate.set()
        await runner.cleanup()
