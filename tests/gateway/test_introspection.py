"""Introspection and "Did you mean …" suggestions tell a caller the schema: on in development, off elsewhere
unless UPLIFT_GATEWAY_INTROSPECTION=true turns them on (gateway/settings.py, gateway/schema.py). The SDL export
(`make schema`) does not depend on them."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.schema import build_schema
from gateway.settings import GatewaySettings
from tests.conftest import JWT_SECRET
from uplift_cli.local import build_local

INTROSPECTION = ("{ __schema { queryType { name } types { name } } }", '{ __type(name: "Behavior") { name } }',
                 "{ behaviors { items { id } } __type(name: \"Objective\") { fields { name } } }")

# Each one draws a suggestion from graphql-core: a field, an argument, a type, a literal enum value, an input
# field, and an enum value inside variables (coerced at execution).
MISTAKES: list[tuple[str, dict[str, Any]]] = [
    ('{ behaviour(key: "x") { id } }', {}),
    ('{ behavior(kee: "x") { id } }', {}),
    ("query($b: Behaviour) { __typename }", {}),
    ('mutation { createPerson(input: {name: "Bea", roles: [SELER]}) { __typename } }', {}),
    ('mutation { createPerson(input: {nme: "Bea"}) { __typename } }', {}),
    ("mutation($input: PersonInput!) { createPerson(input: $input) { __typename } }",
     {"input": {"name": "Bea", "roles": ["SELER"]}}),
]


@asynccontextmanager
async def gateway(db_urls: dict[str, str], environment: str) -> AsyncIterator[httpx.AsyncClient]:
    local = build_local(db_urls, environment=environment, jwt_secret=JWT_SECRET, api_key_cache_seconds=0.0)
    async with local.app.router.lifespan_context(local.app):
        tenant = await local.identity.create_tenant("acme")
        key = (await local.identity.create_key(tenant, "test", ["admin"])).api_key
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=local.app), base_url="http://uplift",
                                     headers={"authorization": f"Bearer {key}"}) as client:
            yield client


async def post(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    r = await client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def messages(body: dict[str, Any]) -> list[str]:
    return [e["message"] for e in body.get("errors", [])]


@pytest.mark.parametrize("environment", ["production", "test"])
async def test_outside_development_introspection_and_suggestions_are_off(db_urls, environment, monkeypatch):
    monkeypatch.delenv("UPLIFT_GATEWAY_INTROSPECTION", raising=False)
    async with gateway(db_urls, environment) as client:
        for query in INTROSPECTION:
            body = await post(client, query)
            assert body.get("data") is None, body
            assert any("introspection has been disabled" in m for m in messages(body)), body
        assert await post(client, "{ __typename }") == {"data": {"__typename": "Query"}}
        for query, variables in MISTAKES:
            said = messages(await post(client, query, variables))
            assert said and not any("Did you mean" in m for m in said), (query, said)
        said = messages(await post(client, *MISTAKES[0]))
        assert said == ["Cannot query field 'behaviour' on type 'Query'."]  # the mistake is still named


async def test_in_development_introspection_and_suggestions_are_on(db_urls, monkeypatch):
    monkeypatch.delenv("UPLIFT_GATEWAY_INTROSPECTION", raising=False)
    async with gateway(db_urls, "development") as client:
        await assert_revealed(client)


async def test_a_setting_turns_them_on_in_production(db_urls, monkeypatch):
    monkeypatch.setenv("UPLIFT_GATEWAY_INTROSPECTION", "true")
    async with gateway(db_urls, "production") as client:
        await assert_revealed(client)


async def assert_revealed(client: httpx.AsyncClient) -> None:
    body = await post(client, INTROSPECTION[0])
    assert "errors" not in body and body["data"]["__schema"]["queryType"] == {"name": "Query"}, body
    assert {"name": "Behavior"} in body["data"]["__schema"]["types"]
    for query, variables in MISTAKES:
        said = messages(await post(client, query, variables))
        assert any("Did you mean" in m for m in said), (query, said)


def test_the_setting_and_its_default() -> None:
    assert GatewaySettings(environment="development").reveals_schema
    assert not GatewaySettings(environment="production").reveals_schema
    assert not GatewaySettings(environment="test").reveals_schema
    assert GatewaySettings(environment="production", introspection=True).reveals_schema
    assert not GatewaySettings(environment="development", introspection=False).reveals_schema


def test_the_sdl_export_is_the_same_without_introspection() -> None:
    sdl = (Path(__file__).parents[2] / "gateway" / "schema.graphql").read_text()
    assert build_schema(GatewaySettings(environment="production")).as_str() + "\n" == sdl
