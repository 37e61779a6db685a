"""Limits, credentials, GET/GraphiQL per environment, masking and unavailable services."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from gateway.app import create_app
from gateway.clients import SERVICES
from gateway.settings import GatewaySettings
from tests.conftest import JWT_SECRET
from tests.gateway.helpers import count_tokens, create_behavior, errors_of, new_uuid
from uplift_cli.local import build_local


def nested(levels: int) -> str:
    """A selection `levels` fields deep (names need not exist: the depth rule looks at the document)."""
    return "{ " + "f { " * (levels - 1) + "leaf" + " }" * levels


# ---- query limits -----------------------------------------------------------------------------

async def test_query_deeper_than_the_limit_is_rejected(gql):
    assert GatewaySettings().max_depth == 10
    for _ in range(2):  # again: a cached parse/validation must not let it through
        messages = [e["message"] for e in errors_of(await gql.raw(nested(12)))]
        assert "'anonymous' exceeds maximum operation depth of 10" in messages, messages
    messages = [e["message"] for e in errors_of(await gql.raw(nested(11)))]  # leaf at depth 10: allowed
    assert not any("depth" in m for m in messages), messages
    # named operations and fragments count too
    fragment = "fragment F on Query { " + "f { " * 11 + "leaf" + " }" * 11 + " }"
    messages = [e["message"] for e in errors_of(await gql.raw("query Deep { ...F } " + fragment))]
    assert "'Deep' exceeds maximum operation depth of 10" in messages, messages


async def test_depth_limit_on_real_fields(stack, gql):
    """The same rule with a lower limit, on a gateway sharing the stack's service clients."""
    await create_behavior(gql, "deep")
    app = create_app(GatewaySettings(environment="test", max_depth=3), clients=stack.app.state.clients.clients)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw",
                                 headers=gql.client.headers) as client:
        r = await client.post("/graphql", json={"query": "{ behaviors { items { objective { name } } } }"})
        assert r.json() == {"data": {"behaviors": {"items": [{"objective": None}]}}}
        stack.calls.clear()
        r = await client.post("/graphql", json={"query": "{ behaviors { items { versions { objective { name } } } } }"})
        assert r.json()["data"] is None
        assert [e["message"] for e in r.json()["errors"]] == ["'anonymous' exceeds maximum operation depth of 3"]
        assert stack.calls == []  # rejected before any service is called


async def test_aliases_limit(gql):
    thirty = "{ " + " ".join(f"a{i}: __typename" for i in range(30)) + " }"
    assert len(await gql(thirty)) == 30
    thirty_one = "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"
    for _ in range(2):
        r = await gql.raw(thirty_one)
        assert r.json() == {"data": None, "errors": [{"message": "31 aliases found. Allowed: 30"}]}


def with_tokens(assessment_id: str, total: int) -> str:
    """A mutation with a list literal padded so that the document has exactly `total` tokens."""
    def doc(n: int) -> str:
        return (f'mutation {{ submitAssessmentResponse(assessmentId: "{assessment_id}", respondent: "r", '
                f'input: {{function: HR, answers: [{" ".join(["VIEW_1"] * n)}]}}) {{ __typename }} }}')
    base = count_tokens(doc(0))
    document = doc(total - base)
    assert count_tokens(document) == total
    return document


async def test_token_limit(gql):
    assert GatewaySettings().max_tokens == 2000
    missing = new_uuid()
    # at the limit the document is parsed and executed: the service then refuses the 1900-answer list
    data = await gql(with_tokens(missing, 2000))
    assert data["submitAssessmentResponse"]["__typename"] == "ValidationProblem"
    r = await gql.raw(with_tokens(missing, 2001))
    [error] = errors_of(r)
    assert error["message"] == "Syntax Error: Document contains more than 2000 tokens. Parsing aborted."
    assert r.json()["data"] is None


# ---- credentials ------------------------------------------------------------------------------

async def test_post_without_credential_is_401_problem(stack):
    async with stack.client() as client:
        r = await client.post("/graphql", json={"query": "{ behaviors { items { id } } }"})
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"] == "Bearer"
    body = r.json()
    assert (body["status"], body["type"], body["title"], body["instance"]) == (
        401, "/problems/unauthorized", "Authentication required", "/graphql")
    assert stack.calls == []


async def test_invalid_api_key_is_an_unauthenticated_error(stack):
    for credential in ("upl_nothere_0123456789abcdef", "not-even-a-key"):
        async with stack.client(credential) as client:
            r = await client.post("/graphql", json={"query": "{ behaviors { items { id } } }"})
            [error] = errors_of(r)
            assert error["extensions"]["code"] == "UNAUTHENTICATED", error
            assert error["extensions"]["service"] == "behaviors" and error["path"] == ["behaviors"]
            assert r.json()["data"] == {"behaviors": None}
            r = await client.post("/graphql", json={"query": 'mutation { createObjective(input: {name: "x"}) {'
                                                             ' __typename } }'})
            [error] = errors_of(r)  # not a typed failure: the caller is nobody
            assert error["extensions"]["code"] == "UNAUTHENTICATED", error
    async with stack.client("upl_nothere_0123456789abcdef") as client:
        r = await client.post("/graphql", json={"query": "{ behaviors { items { id } } }"})
        assert errors_of(r)[0]["message"] == "The API key is unknown or revoked."


async def test_x_api_key_header_and_scopes(stack, tenant):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.app), base_url="http://uplift",
                                 headers={"x-api-key": tenant.api_key}) as client:
        r = await client.post("/graphql", json={"query": "{ behaviors { items { id } } }"})
        assert r.json() == {"data": {"behaviors": {"items": []}}}
    assert stack.calls[-1].headers["authorization"] == f"Bearer {tenant.api_key}"

    elsewhere = await stack.key(tenant, "coaching:read")
    async with stack.client(elsewhere) as client:
        r = await client.post("/graphql", json={"query": "{ objectives { items { id } } }"})
        [error] = errors_of(r)
        assert error["message"] == "This credential lacks the 'behaviors:read' scope."
        assert error["extensions"] == {"code": "FORBIDDEN", "service": "behaviors", "status": 403}


# ---- GET and GraphiQL by environment ----------------------------------------------------------

@asynccontextmanager
async def gateway(db_urls: dict[str, str], environment: str) -> AsyncIterator[httpx.AsyncClient]:
    local = build_local(db_urls, environment=environment, jwt_secret=JWT_SECRET, api_key_cache_seconds=0.0)
    async with local.app.router.lifespan_context(local.app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=local.app), base_url="http://uplift") as client:
        yield client


async def test_get_and_graphiql_refused_outside_development(stack, db_urls):
    async with stack.client() as client:  # environment="test"
        r = await client.get("/graphql", params={"query": "{__typename}"})
        assert 400 <= r.status_code < 500 and "data" not in r.text
        r = await client.get("/graphql", headers={"accept": "text/html"})
        assert r.status_code == 404 and "graphiql" not in r.text.lower()
    async with gateway(db_urls, "production") as client:
        r = await client.get("/graphql", params={"query": "{__typename}"})
        assert 400 <= r.status_code < 500 and "data" not in r.text
        r = await client.get("/graphql", headers={"accept": "text/html"})
        assert r.status_code == 404 and "graphiql" not in r.text.lower()
        r = await client.post("/graphql", json={"query": "{__typename}"})
        assert r.status_code == 401  # production still requires a credential for POST


async def test_get_and_graphiql_in_development(db_urls):
    async with gateway(db_urls, "development") as client:
        r = await client.get("/graphql", params={"query": "{__typename}"})
        assert r.status_code == 200 and r.json() == {"data": {"__typename": "Query"}}
        r = await client.get("/graphql", headers={"accept": "text/html"})
        assert r.status_code == 200 and "graphiql" in r.text.lower()
        r = await client.get("/graphql", params={"query": 'mutation { createObjective(input: {name: "x"}) '
                                                          '{ __typename } }'})
        assert 400 <= r.status_code < 500  # never a mutation over GET
        r = await client.get("/graphql", params={"query": "{ behaviors { items { id } } }"})
        [error] = errors_of(r)  # a GET without credential reaches the service, which refuses it
        assert error["extensions"]["code"] == "UNAUTHENTICATED"


# ---- masking and unavailable services ---------------------------------------------------------

def stub_gateway(handler) -> httpx.AsyncClient:
    """A gateway whose services are all answered by `handler` (no databases)."""
    clients = {name: httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url=f"http://{name}")
               for name in SERVICES}
    app = create_app(GatewaySettings(environment="test"), clients=clients)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw",
                             headers={"authorization": "Bearer upl_stub_key"})


def failing(exc: Exception | None = None, status: int = 200, json: object = None):
    def handler(request: httpx.Request) -> httpx.Response:
        if exc is not None:
            raise exc
        return httpx.Response(status, json=json)
    return handler


@pytest.mark.parametrize(("handler", "message", "code"), [
    (failing(httpx.ConnectError("refused")), "is unavailable (ConnectError)", "SERVICE_UNAVAILABLE"),
    (failing(httpx.ReadTimeout("slow")), "is unavailable (timed out: ReadTimeout)", "SERVICE_UNAVAILABLE"),
    (failing(status=500, json={"detail": "boom"}), "failed (HTTP 500)", "SERVICE_ERROR"),
    (failing(status=503, json={}), "is unavailable (HTTP 503)", "SERVICE_UNAVAILABLE"),
])
async def test_unavailable_service_is_a_typed_error(handler, message, code):
    async with stub_gateway(handler) as client:
        for query, path in (("{ behaviors { items { id } } }", "behaviors"),
                            ('mutation { createObjective(input: {name: "x"}) { __typename } }', "createObjective")):
            r = await client.post("/graphql", json={"query": query})
            [error] = errors_of(r)
            assert error["message"] == f"The behaviors service {message}.", error
            assert error["extensions"] == {"code": code, "service": "behaviors"}
            assert error["path"] == [path]
            assert "boom" not in r.text


async def test_unexpected_errors_are_masked():
    # a 200 that is not what the gateway expects: a bug, not the caller's business
    async with stub_gateway(failing(json={"items": [{"unexpected": True}], "next_cursor": None})) as client:
        r = await client.post("/graphql", json={"query": "{ behaviors { items { id } } }"})
        [error] = errors_of(r)
        assert error["message"] == "Unexpected error." and "extensions" not in error
        assert "unexpected" not in r.text.replace("Unexpected error.", "")


async def test_proxy_to_unreachable_service_is_503_problem():
    async with stub_gateway(failing(httpx.ConnectError("refused"))) as client:
        r = await client.get("/api/behaviors/v1/behaviors")
    assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"] == "The behaviors service is unavailable (ConnectError)."
