"""/graphql is a plain route: no FastAPI dependency solving per request, the same answers as before."""

from collections.abc import Iterator
from typing import Any

import fastapi.routing
import pytest

from tests.gateway.helpers import create_behavior


@pytest.fixture
def solved(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The paths FastAPI solved dependencies for (a spy on the function its routes call)."""
    seen: list[str] = []
    real = fastapi.routing.solve_dependencies  # type: ignore[attr-defined]

    async def counting(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["request"].url.path)
        return await real(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counting)
    yield seen


async def test_graphql_solves_no_dependencies(stack, gql, solved):
    await create_behavior(gql, "plain")
    gateway = [path for path in solved if path == "/graphql"]
    assert gateway == []
    assert any(path.startswith("/v1/behaviors") for path in solved)  # the services' routes still do: the spy works
    data = await gql("{ behaviors { items { key } } }")
    assert data == {"behaviors": {"items": [{"key": "plain"}]}}
    assert stack.calls[-1].headers["authorization"] == gql.client.headers["authorization"]  # forwarded


async def test_other_methods_are_405_problems(stack):
    async with stack.client() as client:
        for method in ("PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"):
            r = await client.request(method, "/graphql")
            assert r.status_code == 405, (method, r.text)
            assert r.headers["content-type"] == "application/problem+json"
            assert sorted(r.headers["allow"].split(", ")) == ["GET", "POST"]
        r = await client.get("/graphql/")  # as before: a redirect to the one path
        assert (r.status_code, r.headers["location"]) == (307, "http://uplift/graphql")
