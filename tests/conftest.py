"""Fixtures: real databases (SQLite by default, PostgreSQL when UPLIFT_TEST_DATABASE_URL is set) and
the real all-in-one stack, driven over ASGI transports."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.dbs import TestDatabases
from tests.timing import patience, raise_service_budgets
from uplift_cli.local import LocalStack, build_local

raise_service_budgets()  # before any app is built: the gateway's budgets for a busy machine (tests/timing.py)

JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabases]:
    dbs = TestDatabases(tmp_path_factory.mktemp("templates"))
    dbs.create()
    yield dbs
    dbs.drop()


@pytest.fixture
async def db_urls(databases: TestDatabases, tmp_path: Path) -> AsyncIterator[dict[str, str]]:
    yield databases.fresh(tmp_path)
    await databases.clean()


@dataclass
class Tenant:
    id: uuid.UUID
    api_key: str


class Stack:
    """The running all-in-one app plus helpers to make tenants, keys and clients."""

    def __init__(self, local: LocalStack) -> None:
        self.local = local
        self.app = local.app
        self.identity = local.identity
        self.calls: list[httpx.Request] = []
        for client in local.app.state.clients.clients.values():
            client.event_hooks["request"].append(self._count)

    async def _count(self, request: httpx.Request) -> None:
        self.calls.append(request)

    async def tenant(self, name: str = "acme", scopes: tuple[str, ...] = ("admin",)) -> Tenant:
        tenant_id = await self.identity.create_tenant(name)
        key = await self.identity.create_key(tenant_id, "test", list(scopes))
        return Tenant(tenant_id, key.api_key)

    async def key(self, tenant: Tenant, *scopes: str) -> str:
        return (await self.identity.create_key(tenant.id, "scoped", list(scopes))).api_key

    async def settled(self) -> None:
        """Wait until every event recorded so far has reached its consumers: the in-process bus marks an outbox
        row published only once every subscriber handled it, so no unpublished row in any service means the
        metrics read model has caught up with what the other services hold."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + patience(10.0)
        while True:
            waiting = await self.local.unpublished()
            if not waiting:
                return
            assert loop.time() < deadline, f"{waiting} event(s) still waiting in the outboxes"
            await asyncio.sleep(0.02)

    def client(self, credential: str | None = None) -> httpx.AsyncClient:
        headers = {"authorization": f"Bearer {credential}"} if credential else {}
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://uplift",
                                 headers=headers)


@pytest.fixture
async def stack(db_urls: dict[str, str]) -> AsyncIterator[Stack]:
    local = build_local(db_urls, environment="test", jwt_secret=JWT_SECRET, api_key_cache_seconds=0.0)
    async with local.app.router.lifespan_context(local.app):
        yield Stack(local)


@pytest.fixture
async def tenant(stack: Stack) -> Tenant:
    return await stack.tenant()


@pytest.fixture
async def api(stack: Stack, tenant: Tenant) -> AsyncIterator[httpx.AsyncClient]:
    """REST through the gateway's /api/behaviors/ prefix with an admin key."""
    async with stack.client(tenant.api_key) as client:
        client.base_url = httpx.URL("http://uplift/api/behaviors")
        yield client


@pytest.fixture
async def gql(stack: Stack, tenant: Tenant) -> AsyncIterator["GraphQL"]:
    async with stack.client(tenant.api_key) as client:
        yield GraphQL(client)


class GraphQL:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def __call__(self, query: str, **variables: object) -> dict[str, Any]:
        response = await self.client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def raw(self, query: str, **variables: object) -> httpx.Response:
        return await self.client.post("/graphql", json={"query": query, "variables": variables})
