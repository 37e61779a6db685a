"""The whole stack with its events wired, on both transports: the in-process bus, and NATS JetStream (the real
server at UPLIFT_TEST_NATS_URL) on a stream and subject prefix of the test's own, deleted afterwards.
NATS being unreachable fails the JetStream tests with the command to start it; nothing is skipped."""

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from common.events import InProcessBus, Retry, Transport
from common.events.jetstream import JetStreamBus
from tests.conftest import JWT_SECRET, Stack, Tenant
from tests.nats_server import NATS_URL, delete_stream, require_nats
from tests.timing import patience
from uplift_cli.local import build_local

FAST = Retry(max_deliver=4, delays=(0.05, 0.1))


async def eventually(check: Callable[[], Awaitable[Any]], within: float = 15.0) -> Any:
    """Poll `check()` until it returns something truthy (events arrive asynchronously); fail after
    `patience(within)` s (`within`: what it takes on an idle machine, tests/timing.py)."""
    budget = patience(within)
    deadline = asyncio.get_running_loop().time() + budget
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not reached within {budget:g} s (last: {result!r})")
        await asyncio.sleep(0.05)


@dataclass
class Streams:
    """A JetStream stream and subject prefix of this test's own."""

    suffix: str = field(default_factory=lambda: secrets.token_hex(4))

    @property
    def stream(self) -> str:
        return f"UPLIFT_W{self.suffix.upper()}"

    @property
    def prefix(self) -> str:
        return f"uplift_w{self.suffix}"

    def bus(self, **options: Any) -> JetStreamBus:
        return JetStreamBus(NATS_URL, stream=self.stream, prefix=self.prefix,
                            **{"retry": FAST, "poll": 0.2, "ack_wait": patience(5.0),
                               "connect_timeout": patience(2.0), **options})

    async def check_server(self) -> None:
        await require_nats()

    async def delete(self) -> None:
        await delete_stream(self.stream)


class Wired(Stack):
    """The all-in-one stack on one transport, with helpers to read the metrics read model."""

    def __init__(self, local: Any, transport: Transport, kind: str) -> None:
        super().__init__(local)
        self.transport = transport
        self.kind = kind

    def rest(self, service: str, credential: str) -> httpx.AsyncClient:
        client = self.client(credential)
        client.base_url = httpx.URL(f"http://uplift/api/{service}")
        return client

    def db(self, service: str) -> Any:
        return self.local.services[service].state.db

    async def rows(self, model: Any, tenant: Tenant, **where: Any) -> list[Any]:
        """Rows of a metrics table for the tenant (optionally filtered by column values)."""
        stmt = select(model).where(model.tenant_id == tenant.id)
        for column, value in where.items():
            stmt = stmt.where(getattr(model, column) == value)
        async with self.db("metrics").sessions() as session:
            return list((await session.execute(stmt)).scalars())

    async def row(self, model: Any, tenant: Tenant, id: uuid.UUID | str, **expect: Any) -> Any:
        """The row with this id once it holds `expect` (polled)."""

        async def check() -> Any:
            found = await self.rows(model, tenant, id=uuid.UUID(str(id)))
            if found and all(getattr(found[0], k) == v for k, v in expect.items()):
                return found[0]
            return None

        return await eventually(check)


@pytest.fixture(params=["inprocess", "jetstream"])
async def wired(request: pytest.FixtureRequest, db_urls: dict[str, str]) -> AsyncIterator[Wired]:
    streams = Streams()
    transport: Transport
    if request.param == "jetstream":
        await streams.check_server()
        transport = streams.bus()
    else:
        transport = InProcessBus(FAST)
    local = build_local(db_urls, transport=transport, environment="test", jwt_secret=JWT_SECRET,
                        api_key_cache_seconds=0.0)
    try:
        async with local.app.router.lifespan_context(local.app):
            yield Wired(local, transport, request.param)
    finally:
        if request.param == "jetstream":
            await streams.delete()


@pytest.fixture
async def tenant(wired: Wired) -> Tenant:
    return await wired.tenant()


@pytest.fixture
async def coaching(wired: Wired, tenant: Tenant) -> AsyncIterator[httpx.AsyncClient]:
    async with wired.rest("coaching", tenant.api_key) as client:
        yield client


@pytest.fixture
async def behaviors(wired: Wired, tenant: Tenant) -> AsyncIterator[httpx.AsyncClient]:
    async with wired.rest("behaviors", tenant.api_key) as client:
        yield client
