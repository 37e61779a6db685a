"""The docker-compose topology without Docker: each service and the gateway as its own
`uplift serve --service X` process, talking real HTTP, on the test databases (PostgreSQL in CI)."""

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.dbs import TestDatabases
from tests.e2e.processes import PARTS, Topology
from tests.timing import patience

pytestmark = pytest.mark.e2e


@pytest.fixture
def topology(databases: TestDatabases, tmp_path: Path) -> Iterator[Topology]:
    topo = Topology(databases.fresh(tmp_path), tmp_path)
    try:
        topo.start(*PARTS)
        yield topo
    finally:
        topo.close()
        asyncio.run(databases.clean())


def test_separate_processes_serve_the_newcomer_path(topology: Topology) -> None:
    creds = json.loads(topology.cli("tenant", "create", "e2e"))
    headers = {"authorization": f"Bearer {creds['api_key']}", "x-request-id": "e2e-trace-1"}
    gw = httpx.Client(base_url=topology.url("gateway"), headers=headers, timeout=patience(10.0))

    def gql(query: str, **variables: object) -> dict[str, Any]:
        r = gw.post("/graphql", json={"query": query, "variables": variables})
        assert r.status_code == 200, r.text
        assert "errors" not in r.json(), r.json()
        return r.json()["data"]

    created = gql("""mutation($i: BehaviorInput!) { createBehavior(input: $i) { ... on Behavior { id } } }""",
                  i={"key": "exec-meetings", "name": "Meet executives", "audience": ["SELLER"],
                     "indicators": [{"metricKey": "c_level_meetings", "kind": "ACTIVITY", "target": 2}]})
    bid = created["createBehavior"]["id"]
    gql("mutation($id: ID!) { publishBehavior(id: $id) { ... on Behavior { version } } }", id=bid)
    revised = gql("""mutation($id: ID!) { updateBehavior(id: $id, input: {name: "Meet executives monthly"}) {
                    ... on Behavior { draftVersion } } }""", id=bid)
    assert revised["updateBehavior"]["draftVersion"] == 2
    gql("mutation($id: ID!) { publishBehavior(id: $id) { ... on Behavior { version } } }", id=bid)

    r = gw.get(f"/api/behaviors/v1/behaviors/{bid}")
    assert r.status_code == 200
    assert r.headers["x-request-id"] == "e2e-trace-1"
    body = r.json()
    assert (body["version"], body["content"]["name"]) == (2, "Meet executives monthly")
    versions = gw.get(f"/api/behaviors/v1/behaviors/{bid}/versions").json()
    assert [(v["number"], v["name"]) for v in versions] == [(1, "Meet executives"), (2, "Meet executives monthly")]

    # The same key straight at the service works too: every service checks the credential itself.
    direct = httpx.get(f"{topology.url('behaviors')}/v1/behaviors/{bid}", headers=headers)
    assert direct.status_code == 200
    assert httpx.get(f"{topology.url('behaviors')}/v1/behaviors/{bid}").status_code == 401

    # Bad input over the wire is problem+json, never a 500.
    bad = gw.post("/api/behaviors/v1/behaviors", json={"key": "Bad Key", "name": "", "audience": []})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"

    # A revoked key stops working at the service (API key cache is 0 s here).
    scoped = json.loads(topology.cli("apikey", "create", "--tenant", creds["tenant_id"], "--scopes",
                                     "behaviors:read", "--name", "crm-plugin"))
    reader = {"authorization": f"Bearer {scoped['api_key']}"}
    assert gw.get("/api/behaviors/v1/behaviors", headers=reader).status_code == 200
    assert gw.post("/api/behaviors/v1/objectives", json={"name": "x"}, headers=reader).status_code == 403
    topology.cli("apikey", "revoke", scoped["id"])
    assert gw.get("/api/behaviors/v1/behaviors", headers=reader).status_code == 401

    # A stopped service: the gateway names it instead of failing blindly.
    topology.stop("behaviors")
    r = gw.post("/graphql", json={"query": "{ behaviors { items { id } } }"})
    errors = r.json()["errors"]
    assert errors[0]["extensions"] == {"code": "SERVICE_UNAVAILABLE", "service": "behaviors"}
    assert gw.get("/api/behaviors/v1/behaviors").status_code == 503
