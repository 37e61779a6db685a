"""Clients for the coaching service's REST, through the gateway's /api/coaching prefix."""

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest

from common.auth import issue_person_token
from tests.conftest import JWT_SECRET, Stack, Tenant

BASE = "http://uplift/api/coaching"


@pytest.fixture
async def coaching(stack: Stack, tenant: Tenant) -> AsyncIterator[httpx.AsyncClient]:
    """An admin API key acting tenant-wide."""
    async with stack.client(tenant.api_key) as client:
        client.base_url = httpx.URL(BASE)
        yield client


@pytest.fixture
def as_person(stack: Stack, tenant: Tenant) -> Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]:
    """`async with as_person(person_id, "manager") as c:` — a client carrying that person's bearer token."""

    def make(person_id: uuid.UUID | str, *roles: str,
             tenant_id: uuid.UUID | None = None) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        token = issue_person_token(JWT_SECRET, tenant_id=tenant_id or tenant.id, person_id=uuid.UUID(str(person_id)),
                                   roles=list(roles) or ["seller"])
        return _client(stack, token)

    return make


@asynccontextmanager
async def _client(stack: Stack, token: str) -> AsyncIterator[httpx.AsyncClient]:
    async with stack.client(token) as client:
        client.base_url = httpx.URL(BASE)
        yield client
