"""The boundary tests' client: the whole stack through the gateway, with an admin key that also names
`metrics:internal` (the read model's write API: no other scope implies it)."""

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import Stack, Tenant


@pytest.fixture
async def client(stack: Stack, tenant: Tenant) -> AsyncIterator[httpx.AsyncClient]:
    async with stack.client(await stack.key(tenant, "admin", "metrics:internal")) as c:
        yield c
