"""The boundary tests' client: the whole stack through the gateway, with an admin key."""

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import Stack, Tenant


@pytest.fixture
async def client(stack: Stack, tenant: Tenant) -> AsyncIterator[httpx.AsyncClient]:
    async with stack.client(tenant.api_key) as c:
        yield c
