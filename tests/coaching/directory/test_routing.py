"""`/v1/people/bulk` and `/v1/people/by-external-id` sit next to `/v1/people/{person_id}`: another method on them
is a 405 naming the allowed one (the API fuzz's unsupported_method check found them answering 422 as a
malformed person id); a malformed id is still a 422 and the OpenAPI path keeps its plain `{person_id}`."""

import uuid

import httpx

from tests.conftest import Stack, Tenant


async def test_other_methods_on_the_collection_paths_are_405(stack: Stack, tenant: Tenant) -> None:
    service = stack.local.services["coaching"]  # straight at the service: the gateway's proxy is not under test
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=service), base_url="http://coaching",
                                 headers={"authorization": f"Bearer {tenant.api_key}"}) as client:
        for method, path, allowed in (("PATCH", "/v1/people/bulk", "POST"), ("GET", "/v1/people/bulk", "POST"),
                                      ("PATCH", "/v1/people/by-external-id", "GET")):
            r = await client.request(method, path, json={})
            assert r.status_code == 405, (method, path, r.text)
            assert r.headers["allow"] == allowed
            assert r.headers["content-type"] == "application/problem+json"


async def test_person_routes_still_take_ids(coaching: httpx.AsyncClient) -> None:
    r = await coaching.get("/v1/people/not-a-uuid")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "path.person_id"
    assert (await coaching.get(f"/v1/people/{uuid.uuid4()}")).status_code == 404
    created = await coaching.post("/v1/people", json={"name": "Ada"})
    person = created.json()["id"]
    assert (await coaching.patch(f"/v1/people/{person}", json={"title": "AE"})).json()["title"] == "AE"
    paths = (await coaching.get("/openapi.json")).json()["paths"]
    assert set(paths["/v1/people/{person_id}"]) == {"get", "patch"}
