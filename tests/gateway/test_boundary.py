"""The gateway's edge: malformed GraphQL bodies, NaN in variables, arguments too long for a URL, days out of
range, and REST paths with control characters are the caller's 4xx, never a 500 or a reported outage."""

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import Stack, Tenant
from tests.gateway.helpers import PROBLEM


@pytest.fixture
async def client(stack: Stack, tenant: Tenant) -> AsyncIterator[httpx.AsyncClient]:
    async with stack.client(tenant.api_key) as c:
        yield c


def _bad_request(r: httpx.Response) -> dict[str, object]:
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    return r.json()


@pytest.mark.parametrize("body", ["null", "1", '"x"', "true"])
async def test_a_scalar_json_body_is_a_bad_request(client, body):
    r = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert "JSON object" in str(_bad_request(r)["detail"])


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
async def test_nan_in_variables_is_a_bad_request(client, stack, literal):
    body = ('{"query": "mutation($input: ObjectiveInput!) { createObjective(input: $input) { __typename } }", '
            '"variables": {"input": {"name": "Grow", "x": ' + literal + "}}}")
    calls = len(stack.calls)
    r = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert literal.lstrip("-") in str(_bad_request(r)["detail"])
    assert len(stack.calls) == calls  # nothing reached a service


async def test_a_string_argument_too_long_for_a_url_is_a_typed_error(client, stack):
    """`person(source, externalId)` goes into a query string; past ~64 KB httpx could not build the URL and the
    caller got "Unexpected error". The gateway now refuses it before sending, saying why."""
    calls = len(stack.calls)
    r = await client.post("/graphql", json={"query": '{ person(source: "crm", externalId: "%s") { name } }'
                                                     % ("x" * 70_000)})
    assert r.status_code == 200, r.text
    error = r.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST", error
    assert "bytes allowed" in error["message"] and r.json()["data"] == {"person": None}
    assert len(stack.calls) == calls
    # a long argument that fits is sent as before
    r = await client.post("/graphql", json={"query": '{ person(source: "crm", externalId: "%s") { name } }'
                                                     % ("x" * 20_000)})
    assert r.json() == {"data": {"person": None}}


async def test_days_out_of_range_are_argument_errors(client, stack):
    """`on: "9999-12-31"` made the queue's own date arithmetic overflow ("Unexpected error"); the scorecard's
    `0001-01-01` a service 500. Both are now coercion errors of the argument, before any call."""
    me = await client.post("/api/coaching/v1/people", json={"name": "Mia", "roles": ["manager"]})
    calls = len(stack.calls)
    for query in [f'{{ coachingQueue(coachId: "{me.json()["id"]}", on: "9999-12-31") {{ __typename }} }}',
                  f'{{ scorecard(teamOf: "{me.json()["id"]}", on: "0001-01-01") {{ __typename }} }}',
                  'query($on: Date) { adoption(behaviorKey: "x", on: $on) { __typename } }']:
        r = await client.post("/graphql", json={"query": query, "variables": {"on": "0001-01-01"}})
        errors = r.json()["errors"]
        assert len(errors) == 1 and "Value cannot represent a Date" in errors[0]["message"], errors
        assert "0002-01-01..9998-12-31" in errors[0]["message"]
    assert len(stack.calls) == calls
    r = await client.post("/graphql", json={"query": f"""mutation {{ scheduleSession(input: {{
        coachId: "{me.json()['id']}", sellerId: "{me.json()['id']}", scheduledAt: "0001-01-01T00:00:00+14:00"}})
        {{ {PROBLEM} }} }}"""})
    assert "Value cannot represent a DateTime" in r.json()["errors"][0]["message"], r.text


@pytest.mark.parametrize(("path", "status"), [("%00", 404), ("%0A", 422), ("%0D%0A", 422), ("%7F", 422)])
async def test_control_characters_in_a_proxied_path_get_the_services_answer(client, path, status):
    """They were reported as a 503 outage of the service (httpx refused to build the URL)."""
    r = await client.get(f"/api/behaviors/v1/behaviors/{path}")
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"


async def test_a_url_too_long_to_forward_is_414(client):
    r = await client.get("/api/behaviors/v1/behaviors", params={"keys": "k" * 40_000})
    assert r.status_code == 414, r.text
    assert r.headers["content-type"] == "application/problem+json"


async def test_405_keeps_allow(client):
    r = await client.delete("/api/behaviors/v1/objectives")
    assert r.status_code == 405
    assert "POST" in r.headers["allow"].replace(" ", "").split(",")
    assert json.loads(r.text)["status"] == 405



@pytest.mark.parametrize("where", ["variables", "query"])
async def test_a_lone_surrogate_is_a_bad_request(client, stack, where):
    """JSON may escape a lone surrogate (`\\ud800`); no service can take it (UTF-8 cannot hold it) and the
    gateway failed encoding its call ("Unexpected error"). It is refused with the body, like NaN."""
    if where == "variables":
        body = {"query": "query($x: String!) { person(source: \"crm\", externalId: $x) { name } }",
                "variables": {"x": "a\ud800b"}}
    else:
        body = {"query": '{ person(source: "crm", externalId: "a\ud800b") { name } }'}
    calls = len(stack.calls)
    r = await client.post("/graphql", content=json.dumps(body), headers={"content-type": "application/json"})
    assert "lone surrogate" in str(_bad_request(r)["detail"])
    assert len(stack.calls) == calls


async def test_a_body_that_is_not_utf8_is_a_bad_request(client):
    """The stdlib's JSON decoder raised UnicodeDecodeError, which strawberry does not catch: a 500."""
    r = await client.post("/graphql", content=b'{"query": "{ objectives { items { name } } }", "x": "\xff"}',
                          headers={"content-type": "application/json"})
    assert "UTF-8" in str(_bad_request(r)["detail"])
