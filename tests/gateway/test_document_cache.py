"""Parsing and validation are done once per document text, and the limits still refuse every time.

Validations are counted with a spy on graphql-core's `validate` as strawberry calls it (every validation the
gateway runs goes through it), not timed."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import strawberry.schema.schema as strawberry_schema

from gateway.app import create_app
from gateway.settings import GatewaySettings
from tests.conftest import Stack
from tests.gateway.helpers import create_behavior, errors_of
from tests.gateway.test_security import nested


@pytest.fixture
def validations(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Each validation graphql-core runs for the gateway: the first words of the document validated. The
    schema, and so its cache, is shared by every gateway of the process with the same limits: it starts empty
    here, whatever other tests validated before."""
    stack.app.state.schema.documents.entries.clear()
    seen: list[str] = []
    real = strawberry_schema.validate  # type: ignore[attr-defined]

    def counting(schema: Any, document: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(document.loc.source.body if document.loc else "?")
        return real(schema, document, *args, **kwargs)

    monkeypatch.setattr(strawberry_schema, "validate", counting)
    yield seen


async def test_a_repeated_document_is_validated_once(gql, validations):
    query = "query Mine($first: Int) { behaviors(first: $first) { items { key name status } } }"
    await create_behavior(gql, "cached")
    validations.clear()
    for first in (1, 5, 10):  # other variables: the same document
        data = await gql(query, first=first)
        assert [b["key"] for b in data["behaviors"]["items"]] == ["cached"]
    assert validations == [query]
    other = "{ behaviors { items { key } } }"
    await gql(other)
    await gql(other)
    assert validations == [query, other]


async def test_refusals_are_not_cached_away(gql, validations):
    """A refused document is refused every time, whether it was refused (or another document accepted)
    before; a document accepted after them is still accepted."""
    deep, shallow = nested(12), nested(11)
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"
    tokens = "{ __typename " + "__typename " * 2000 + "}"
    for _ in range(3):
        assert "'anonymous' exceeds maximum operation depth of 10" in [
            e["message"] for e in errors_of(await gql.raw(deep))]
        assert not any("depth" in e["message"] for e in errors_of(await gql.raw(shallow)))  # unknown fields only
        assert [e["message"] for e in errors_of(await gql.raw(aliases))] == ["31 aliases found. Allowed: 30"]
        assert [e["message"] for e in errors_of(await gql.raw(tokens))] == [
            "Syntax Error: Document contains more than 2000 tokens. Parsing aborted."]
        assert await gql("{ a: __typename }") == {"a": "Query"}
    assert sorted(set(validations)) == sorted({deep, shallow, aliases, "{ a: __typename }"})
    assert len(validations) == 4  # the token limit refuses at parsing, every time, before validation


async def test_each_gateway_keeps_its_own_limits(stack, gql, validations):
    """A document another gateway (other limits) accepted is refused by one with a lower depth limit, and
    the other way round: what a gateway remembers is its own verdict."""
    query = "{ behaviors { items { versions { objective { name } } } } }"
    assert await gql(query) == {"behaviors": {"items": []}}
    strict = create_app(GatewaySettings(environment="test", max_depth=3), clients=stack.app.state.clients.clients)
    strict.state.schema.documents.entries.clear()  # shared with other gateways of these limits in the process
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=strict), base_url="http://gw",
                                 headers=gql.client.headers) as client:
        for _ in range(2):
            r = await client.post("/graphql", json={"query": query})
            assert [e["message"] for e in r.json()["errors"]] == ["'anonymous' exceeds maximum operation depth of 3"]
    assert await gql(query) == {"behaviors": {"items": []}}
    assert validations == [query, query]  # once per gateway
