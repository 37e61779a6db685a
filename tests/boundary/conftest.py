"""The boundary tests' client: the whole stack through the gateway, with an admin key that also names
`metrics:internal` (the read model's write API: no other scope implies it)."""

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import Stack, Tenant
from tests.metrics.conftest import learn_people
from tests.metrics.test_ingest import PERSON


@pytest.fixture
async def client(stack: Stack, tenant: Tenant) -> AsyncIterator[httpx.AsyncClient]:
    async with stack.client(await stack.key(tenant, "admin", "metrics:internal")) as c:
        yield c


@pytest.fixture
async def person_known(client: httpx.AsyncClient) -> None:
    """The person tests.metrics.test_ingest.activity names by id is in the metrics read model (ingest rejects
    an unknown person_id)."""
    await learn_people(client, PERSON, prefix="/api/metrics")
