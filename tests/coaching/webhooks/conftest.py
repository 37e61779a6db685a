"""Fixtures of the webhook tests: the all-in-one app in development (local receivers allowed; deliveries driven
by the test), an admin client on the coaching API, a local receiver, and a fake DNS."""

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.coaching.webhooks.receiver import Receiver, receiver
from tests.conftest import JWT_SECRET, Stack, Tenant
from uplift_cli.local import build_local


@pytest.fixture
async def dev_stack(db_urls: dict[str, str]) -> AsyncIterator[Stack]:
    local = build_local(db_urls, environment="development", jwt_secret=JWT_SECRET, api_key_cache_seconds=0.0,
                        webhooks_deliver=False, overdue_sweep_seconds=3600.0,
                        review_due_sweep_seconds=3600.0)
    async with local.app.router.lifespan_context(local.app):
        yield Stack(local)


@pytest.fixture
async def hooks(dev_stack: Stack) -> AsyncIterator[tuple[httpx.AsyncClient, Tenant]]:
    tenant = await dev_stack.tenant()
    async with dev_stack.client(tenant.api_key) as client:
        client.base_url = httpx.URL("http://uplift/api/coaching")
        yield client, tenant


@pytest.fixture
async def rx() -> AsyncIterator[Receiver]:
    async with receiver() as r:
        yield r


class FakeDns:
    """Answers for chosen names, in turn (the last answer repeats); every other name resolves as usual. Installed
    as the running loop's getaddrinfo, which the policy, aiohttp's resolver and anyio all ask."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.answers: dict[str, list[list[str]]] = {}
        self.asked: list[str] = []

    def set(self, host: str, *answers: list[str]) -> None:
        self.answers[host] = list(answers)

    async def __call__(self, host: Any, port: Any, *, family: int = 0, type: int = 0, proto: int = 0,
                       flags: int = 0) -> list[Any]:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in self.answers:
            return list(await self.real(host, port, family=family, type=type, proto=proto, flags=flags))
        self.asked.append(name)
        queue = self.answers[name]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        out: list[Any] = []
        for a in addresses:
            if ":" in a:
                out.append((socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, int(port or 0), 0, 0)))
            else:
                out.append((socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, int(port or 0))))
        return out


@pytest.fixture
async def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    loop = asyncio.get_running_loop()
    fake = FakeDns(loop.getaddrinfo)
    monkeypatch.setattr(loop, "getaddrinfo", fake)
    return fake
