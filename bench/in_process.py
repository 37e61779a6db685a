"""The all-in-one app in this process on fresh SQLite files, for the in-process benches: a tenant, an admin key,
and clients onto the gateway and onto one service directly (httpx over ASGI, no sockets)."""

import asyncio
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from common.migrations import HISTORIES, upgrade
from uplift_cli.local import build_local

SECRET = "bench-secret-bench-secret-bench-secret-1234"


@asynccontextmanager
async def gateway_and(service: str) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """(the gateway, `service` directly), both with the same admin key, while the stack runs."""
    tmp = Path(tempfile.mkdtemp())
    urls = {h: f"sqlite+aiosqlite:///{tmp / h}.db" for h in HISTORIES}
    for h, url in urls.items():
        await asyncio.to_thread(upgrade, h, url)
    stack = build_local(urls, environment="test", jwt_secret=SECRET)
    async with stack.app.router.lifespan_context(stack.app):
        tenant = await stack.identity.create_tenant("bench")
        key = (await stack.identity.create_key(tenant, "bench", ["admin"])).api_key
        auth = {"authorization": f"Bearer {key}"}
        async with (httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.app), base_url="http://gw",
                                      headers=auth) as gateway,
                    httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.services[service]),
                                      base_url=f"http://{service}", headers=auth) as direct):
            yield gateway, direct
