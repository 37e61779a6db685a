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
