"""A write whose body is not JSON is a 415 problem+json on every operation of every service that takes a body
(the metrics ingest endpoints included), directly and through the gateway's REST proxy, and on /graphql;
a write without a body passes whatever its Content-Type says (common/jsonbody.py)."""

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from common.jsonbody import is_json
from services.metrics.models import Activity
from tests.conftest import Stack, Tenant

SERVICES = ("behaviors", "coaching", "metrics")
NOT_JSON = [("text/plain", b'{"name": "x"}'), ("application/x-www-form-urlencoded", b"name=x"),
            ("multipart/form-data; boundary=x", b"--x--"), ("application/jsonx", b"{}"),
            ("application/+json", b"{}"), (None, b'{"name": "x"}')]


def bodied_operations(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(method, path with its parameters filled in) of every operation that documents a JSON body."""
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                assert "415" in operation["responses"], (method, path)
                found.append((method.upper(), re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)))
    return found


def _check_415(r: httpx.Response, instance: str) -> None:
    assert r.status_code == 415, (r.request.method, r.request.url, r.status_code, r.text)
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["type"] == "/problems/unsupported-media-type" and problem["status"] == 415
    assert "application/json" in problem["detail"] and problem["instance"] == instance


@pytest.fixture
async def services(stack: Stack, tenant: Tenant) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    clients = {name: httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.local.services[name]),
                                       base_url=f"http://{name}",
                                       headers={"authorization": f"Bearer {tenant.api_key}"})
               for name in SERVICES}
    yield clients
    for client in clients.values():
        await client.aclose()


@pytest.fixture
async def gateway(stack: Stack, tenant: Tenant) -> AsyncIterator[httpx.AsyncClient]:
    async with stack.client(tenant.api_key) as client:
        yield client


async def test_every_operation_with_a_body_refuses_one_that_is_not_json(stack, services, gateway):
    counted = 0
    for name in SERVICES:
        operations = bodied_operations(stack.local.services[name].openapi())
        assert operations, name
        for method, path in operations:
            for content_type, body in NOT_JSON:
                headers = {"content-type": content_type} if content_type else {}
                _check_415(await services[name].request(method, path, content=body, headers=headers), path)
            r = await gateway.request(method, f"/api/{name}{path}", content=b"{}",
                                      headers={"content-type": "text/plain"})
            _check_415(r, f"/api/{name}{path}")
            counted += 1
    assert counted > 30
    for ingest in ("/v1/activities", "/v1/completions"):
        assert ("POST", ingest) in bodied_operations(stack.local.services["metrics"].openapi())


async def test_json_with_parameters_and_json_suffixed_types_are_taken(services):
    for content_type in ("application/json", "application/json; charset=utf-8", "Application/JSON",
                         "application/merge-patch+json"):
        r = await services["behaviors"].post("/v1/objectives", content=b'{"name": "Grow"}',
                                             headers={"content-type": content_type})
        assert r.status_code == 201, (content_type, r.text)


async def test_a_write_without_a_body_passes_whatever_its_content_type(services):
    objective = (await services["behaviors"].post("/v1/objectives", json={"name": "Grow"})).json()
    r = await services["behaviors"].delete(f"/v1/objectives/{objective['id']}", headers={"content-type": "text/plain"})
    assert r.status_code == 204, r.text


async def test_an_ingest_batch_sent_as_text_is_refused_and_nothing_is_stored(stack, services):
    body = (b'{"items": [{"source": "crm", "external_id": "a1", "type": "call", "user_id": "u1", '
            b'"occurred_at": "2026-11-02T10:00:00Z"}]}')
    r = await services["metrics"].post("/v1/activities", content=body, headers={"content-type": "text/plain"})
    _check_415(r, "/v1/activities")
    async with stack.local.services["metrics"].state.db.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(Activity))).scalar() == 0


async def test_graphql_refuses_a_body_that_is_not_json(gateway):
    r = await gateway.post("/graphql", content=b"{ behaviors { items { id } } }",
                           headers={"content-type": "application/graphql"})
    _check_415(r, "/graphql")
    assert r.headers["accept-post"] == "application/json"


@pytest.mark.parametrize(("content_type", "expected"), [
    ("application/json", True), ("application/json;charset=utf-8", True), (" APPLICATION/JSON ", True),
    ("application/problem+json", True), ("application/+json", False), ("application/jsonl", False),
    ("text/json", False), ("text/plain", False), ("", False), ("json", False)])
def test_is_json(content_type, expected):
    assert is_json(content_type) is expected
