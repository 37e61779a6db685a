"""Clients and database access for the metrics service's tests."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.sql import Executable

from tests.conftest import Stack, Tenant

BASE = "http://uplift/api/metrics"


@pytest.fixture
async def metrics(stack: Stack, tenant: Tenant) -> AsyncIterator[httpx.AsyncClient]:
    """The metrics REST through the gateway's /api/metrics prefix with an admin key that also names
    `metrics:internal` (the read model's write API: no other scope implies it)."""
    async with stack.client(await stack.key(tenant, "admin", "metrics:internal")) as client:
        client.base_url = httpx.URL(BASE)
        yield client


class MetricsDb:
    """Reads the metrics database directly, to check what the API wrote."""

    def __init__(self, stack: Stack) -> None:
        self.db = stack.local.services["metrics"].state.db

    async def all(self, stmt: Executable) -> list[Any]:
        async with self.db.sessions() as s:
            return list((await s.execute(stmt)).all())

    async def scalars(self, stmt: Executable) -> list[Any]:
        async with self.db.sessions() as s:
            return list((await s.execute(stmt)).scalars())


@pytest.fixture
def mdb(stack: Stack) -> MetricsDb:
    return MetricsDb(stack)


async def learn_people(client: httpx.AsyncClient, *ids: object, prefix: str = "") -> None:
    """Write these person ids into the tenant's metrics read model (what the directory's events do), so
    evidence naming them by `person_id` is accepted. `prefix` is the path before /v1 for a client whose base
    URL is not the metrics service's (e.g. "/api/metrics")."""
    items = [{"id": str(pid), "version": 1, "name": f"Person {n}"} for n, pid in enumerate(ids)]
    for i in range(0, len(items), 1000):
        r = await client.put(f"{prefix}/v1/internal/people", json={"items": items[i:i + 1000]})
        assert r.status_code == 200, r.text
