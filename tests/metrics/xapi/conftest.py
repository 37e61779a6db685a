"""Clients of the xAPI resources: through the gateway (/api/metrics/xapi) and directly on the metrics service
(/xapi), at xAPI 1.0.x and 2.0.0, with HTTP Basic credentials made like an LMS integrator makes them."""

import base64
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import Stack, Tenant

ROUTES = {"gateway": "http://uplift/api/metrics/xapi", "direct": "http://metrics/xapi"}


@dataclass
class Lrs:
    """A client on one route at one version; `version` is what requests send, `applied` what the LRS echoes."""

    client: httpx.AsyncClient
    route: str
    version: str
    key_id: uuid.UUID

    @property
    def applied(self) -> str:
        return "2.0.0" if self.version.startswith("2") else "1.0.3"


def basic(key_id: uuid.UUID, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key_id}:{secret}".encode()).decode()


async def basic_credential(stack: Stack, tenant: Tenant, *scopes: str) -> tuple[uuid.UUID, str]:
    """An API key's id and its secret (the part after `upl_<prefix>_`), as the CLI prints them."""
    issued = await stack.identity.create_key(tenant.id, "lms", list(scopes))
    return issued.id, basic(issued.id, issued.api_key.split("_", 2)[2])


def transport(stack: Stack, route: str) -> httpx.ASGITransport:
    app = stack.app if route == "gateway" else stack.local.services["metrics"]
    return httpx.ASGITransport(app=app)


async def open_lrs(stack: Stack, tenant: Tenant, route: str, version: str,
                   scopes: tuple[str, ...] = ("xapi:write",)) -> Lrs:
    key_id, credential = await basic_credential(stack, tenant, *scopes)
    client = httpx.AsyncClient(transport=transport(stack, route), base_url=ROUTES[route],
                               headers={"authorization": credential, "x-experience-api-version": version})
    return Lrs(client, route, version, key_id)


@pytest.fixture(params=[("gateway", "1.0.3"), ("gateway", "2.0.0"), ("direct", "1.0.0"), ("direct", "2.0.0")],
                ids=lambda p: f"{p[0]}-{p[1]}")
async def lrs(request: pytest.FixtureRequest, stack: Stack, tenant: Tenant) -> AsyncIterator[Lrs]:
    """Every route at every version."""
    route, version = request.param
    opened = await open_lrs(stack, tenant, route, version)
    async with opened.client:
        yield opened


@pytest.fixture(params=["1.0.3", "2.0.0"])
async def xapi(request: pytest.FixtureRequest, stack: Stack, tenant: Tenant) -> AsyncIterator[Lrs]:
    """Through the gateway at each version (for the many validation cases)."""
    opened = await open_lrs(stack, tenant, "gateway", request.param)
    async with opened.client:
        yield opened


def statement(**over: Any) -> dict[str, Any]:
    st: dict[str, Any] = {
        "actor": {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
        "object": {"objectType": "Activity", "id": "https://lms.example.com/course/101",
                   "definition": {"name": {"en-US": "Executive conversations", "de-DE": "Gespräche"}}},
        "timestamp": "2026-11-30T10:00:00.000Z",
    }
    st.update(over)
    return st
