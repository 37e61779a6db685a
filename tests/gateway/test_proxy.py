"""The REST proxy: /api/<service>/... forwarded as is, Location rewritten, request ids kept."""

from tests.gateway.helpers import new_uuid

BEHAVIOR = {"key": "proxied", "name": "Proxied", "audience": ["seller"],
            "indicators": [{"metric_key": "calls_made", "kind": "activity", "target": 3}]}


async def test_create_read_update_delete_through_the_proxy(stack, tenant, api):
    r = await api.post("/v1/behaviors", json=BEHAVIOR)
    assert r.status_code == 201, r.text
    assert r.headers["content-type"] == "application/json"
    created = r.json()
    assert r.headers["location"] == f"/api/behaviors/v1/behaviors/{created['id']}"
    assert stack.calls[-1].url.path == "/v1/behaviors"  # the service saw its own path

    async with stack.client(tenant.api_key) as client:
        r = await client.get(r.headers["location"])  # the rewritten Location is usable as is
    assert r.status_code == 200 and r.json() == created

    r = await api.patch(f"/v1/behaviors/{created['id']}", json={"name": "Renamed"})
    assert r.status_code == 200 and r.json()["content"]["name"] == "Renamed"

    r = await api.post(f"/v1/behaviors/{created['id']}/scenarios", json={"title": "Nested"})
    assert r.status_code == 201
    assert r.headers["location"] == f"/api/behaviors/v1/behaviors/{created['id']}/scenarios/{r.json()['id']}"

    other = await api.post("/v1/behaviors", json={**BEHAVIOR, "key": "proxied-two"})
    r = await api.get("/v1/behaviors", params=[("ids", created["id"]), ("ids", other.json()["id"]), ("limit", 1)])
    assert r.status_code == 200
    assert [b["key"] for b in r.json()["items"]] == ["proxied"] and r.json()["next_cursor"]
    assert stack.calls[-1].url.params.get_list("ids") == [created["id"], other.json()["id"]]

    r = await api.delete(f"/v1/behaviors/{other.json()['id']}")
    assert r.status_code == 204 and r.content == b""


async def test_problems_pass_through(stack, api):
    r = await api.post("/v1/behaviors", json={**BEHAVIOR, "key": "Bad Key"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in r.json()["errors"]] == ["body.key"]

    missing = new_uuid()
    r = await api.get(f"/v1/behaviors/{missing}")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"] == f"Behaviour {missing} does not exist."
    assert r.json()["instance"] == f"/api/behaviors/v1/behaviors/{missing}"

    assert (await api.post("/v1/behaviors", json=BEHAVIOR)).status_code == 201
    r = await api.post("/v1/behaviors", json=BEHAVIOR)
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["title"] == "Conflict"

    async with stack.client() as anonymous:
        r = await anonymous.get("/api/behaviors/v1/behaviors")
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"] == "Bearer"


async def test_unknown_service_is_404_problem(stack, tenant):
    async with stack.client(tenant.api_key) as client:
        stack.calls.clear()
        r = await client.get("/api/nosuch/x")
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
        body = r.json()
        assert (body["status"], body["title"], body["instance"]) == (404, "Not found", "/api/nosuch/x")
        assert "behaviors" in body["detail"] and "nosuch" in body["detail"]
        assert stack.calls == []
        r = await client.post("/api/nosuch/x", json={})
        assert r.status_code == 404


async def test_request_id_comes_back_and_reaches_the_service(stack, tenant, api):
    stack.calls.clear()
    r = await api.get("/v1/objectives", headers={"x-request-id": "caller-rid-42"})
    assert r.status_code == 200 and r.headers["x-request-id"] == "caller-rid-42"
    assert stack.calls[-1].headers["x-request-id"] == "caller-rid-42"

    r = await api.get("/v1/objectives/not-a-uuid", headers={"x-request-id": "caller-rid-43"})
    assert r.status_code == 422 and r.headers["x-request-id"] == "caller-rid-43"

    async with stack.client(tenant.api_key) as client:
        stack.calls.clear()
        r = await client.post("/graphql", json={"query": "{ objectives { items { id } } }"},
                              headers={"x-request-id": "caller-rid-44"})
        assert r.status_code == 200 and r.headers["x-request-id"] == "caller-rid-44"
        assert [c.headers["x-request-id"] for c in stack.calls] == ["caller-rid-44"]

        r = await client.get("/api/nosuch/x", headers={"x-request-id": "caller-rid-45"})
        assert r.status_code == 404 and r.headers["x-request-id"] == "caller-rid-45"

        r = await client.get("/healthz", headers={"x-request-id": "bad id with spaces"})
        assert r.json() == {"status": "ok", "service": "gateway"}
        assert r.headers["x-request-id"] != "bad id with spaces" and len(r.headers["x-request-id"]) == 32
