"""Authentication and authorisation of the behaviors REST API: API keys and people's bearer tokens."""

import uuid
from datetime import timedelta

import jwt
import pytest

from common.auth import issue_person_token
from tests.behaviors.helpers import create_objective, problem, rest
from tests.conftest import JWT_SECRET


def person_token(tenant, *roles, **kwargs):
    return issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=uuid.uuid4(), roles=list(roles), **kwargs)


async def can_read(client) -> int:
    return (await client.get("/v1/objectives")).status_code


async def can_write(client) -> int:
    return (await client.post("/v1/objectives", json={"name": "Written"})).status_code


async def test_no_credential_is_401_problem(stack, api):
    async with rest(stack, None) as c:
        for r in [await c.get("/v1/objectives"), await c.post("/v1/behaviors", json={}),
                  await c.get(f"/v1/behaviors/{uuid.uuid4()}"), await c.get("/v1/alignment-template")]:
            body = problem(r, 401)
            assert "Authorization" in body["detail"]
            assert r.headers["www-authenticate"] == "Bearer"
        # a scheme other than Bearer is no credential either
        r = await c.get("/v1/objectives", headers={"authorization": "Basic dXNlcjpwYXNz"})
        problem(r, 401, "/v1/objectives")
        r = await c.get("/v1/objectives", headers={"authorization": "Bearer   "})
        problem(r, 401)
    # authentication comes before validation of the body: nothing about the schema leaks
    async with rest(stack, None) as c:
        problem(await c.post("/v1/objectives", json={"colour": "red"}), 401)
        problem(await c.patch("/v1/objectives/not-a-uuid", json={}), 401)


async def test_the_api_key_may_come_in_x_api_key(stack, tenant):
    async with rest(stack, None) as c:
        c.headers["x-api-key"] = tenant.api_key
        assert await can_read(c) == 200


async def test_unknown_and_malformed_keys_are_401(stack, tenant):
    forged = tenant.api_key[:-4] + ("AAAA" if not tenant.api_key.endswith("AAAA") else "BBBB")
    for credential in ("upl_000000000000_notarealsecret", "upl_", "upl_x", forged, "garbage-token"):
        async with rest(stack, credential) as c:
            r = await c.get("/v1/objectives")
            problem(r, 401, "/v1/objectives")
            assert r.headers["www-authenticate"] == "Bearer"


async def test_revoked_key_is_401(stack, tenant):
    issued = await stack.identity.create_key(tenant.id, "temporary", ["behaviors:write"])
    async with rest(stack, issued.api_key) as c:
        assert await can_read(c) == 200
        await stack.identity.revoke_key(issued.id)
        body = problem(await c.get("/v1/objectives"), 401)
        assert "revoked" in body["detail"]
        problem(await c.post("/v1/objectives", json={"name": "x"}), 401)
    # other keys of the tenant still work
    async with rest(stack, tenant.api_key) as c:
        assert await can_read(c) == 200


@pytest.mark.parametrize(("scopes", "read", "write"), [
    (("behaviors:read",), 200, 403),
    (("behaviors:write",), 200, 201),
    (("behaviors:*",), 200, 201),
    (("admin",), 200, 201),
    (("coaching:write", "metrics:read"), 403, 403),
    (("coaching:*",), 403, 403),
])
async def test_key_scopes(stack, tenant, scopes, read, write):
    async with rest(stack, await stack.key(tenant, *scopes)) as c:
        r = await c.get("/v1/objectives")
        assert r.status_code == read
        if read == 403:
            body = problem(r, 403, "/v1/objectives")
            assert "behaviors:read" in body["detail"]
        r = await c.post("/v1/objectives", json={"name": "Written"})
        assert r.status_code == write
        if write == 403:
            body = problem(r, 403, "/v1/objectives")
            assert "behaviors:write" in body["detail"]


async def test_a_read_only_key_is_refused_every_write(stack, tenant, api):
    o = await create_objective(api)
    async with rest(stack, await stack.key(tenant, "behaviors:read")) as c:
        assert (await c.get(f"/v1/objectives/{o['id']}")).json() == o
        assert (await c.get("/v1/alignment-template")).status_code == 200
        for r in [
            await c.patch(f"/v1/objectives/{o['id']}", json={"name": "x"}),
            await c.delete(f"/v1/objectives/{o['id']}"),
            await c.post("/v1/behaviors", json={"key": "kk", "name": "x", "audience": ["seller"]}),
            await c.post(f"/v1/behaviors/{uuid.uuid4()}/publish"),
            await c.post("/v1/assessments", json={"title": "t"}),
        ]:
            problem(r, 403)
    assert (await api.get(f"/v1/objectives/{o['id']}")).json() == o
    assert (await api.get("/v1/behaviors")).json()["items"] == []


@pytest.mark.parametrize(("roles", "read", "write"), [
    (("seller",), 200, 403),
    (("manager",), 200, 403),
    (("leader",), 200, 201),
    (("enablement",), 200, 201),
    (("seller", "enablement"), 200, 201),
    (("admin",), 200, 201),
    ((), 403, 403),
    (("ceo",), 403, 403),  # unknown roles grant nothing
])
async def test_person_tokens_by_role(stack, tenant, roles, read, write):
    async with rest(stack, person_token(tenant, *roles)) as c:
        assert await can_read(c) == read
        assert await can_write(c) == write


async def test_a_person_works_in_their_own_tenant(stack, tenant, api):
    o = await create_objective(api, "Tenant's")
    async with rest(stack, person_token(tenant, "enablement")) as c:
        assert [x["id"] for x in (await c.get("/v1/objectives")).json()["items"]] == [o["id"]]
        r = await c.post("/v1/behaviors", json={"key": "by-person", "name": "x", "audience": ["seller"],
                                                "indicators": [{"metric_key": "ab", "kind": "activity", "target": 1}]})
        assert r.status_code == 201
        published = await c.post(f"/v1/behaviors/{r.json()['id']}/publish")
        assert published.status_code == 200
    assert [x["key"] for x in (await api.get("/v1/behaviors")).json()["items"]] == ["by-person"]
    other = await stack.tenant("other")
    async with rest(stack, person_token(other, "enablement")) as c:
        assert (await c.get("/v1/objectives")).json()["items"] == []
        problem(await c.get(f"/v1/objectives/{o['id']}"), 404)


async def test_invalid_person_tokens_are_401(stack, tenant):
    person = uuid.uuid4()
    expired = person_token(tenant, "enablement", ttl=timedelta(seconds=-30))
    wrong_secret = issue_person_token("another-secret-that-is-long-enough-for-hs256-0123", tenant_id=tenant.id,
                                      person_id=person, roles=["enablement"])
    wrong_audience = person_token(tenant, "enablement", audience="someone-else")
    no_tenant = jwt.encode({"sub": str(person), "aud": "uplift", "exp": 4102444800, "roles": ["enablement"]},
                           JWT_SECRET, algorithm="HS256")
    bad_subject = jwt.encode({"sub": "not-a-uuid", "tid": str(tenant.id), "aud": "uplift", "exp": 4102444800,
                              "roles": ["enablement"]}, JWT_SECRET, algorithm="HS256")
    unsigned = jwt.encode({"sub": str(person), "tid": str(tenant.id), "aud": "uplift", "exp": 4102444800,
                           "roles": ["enablement"]}, "", algorithm="none")
    valid = person_token(tenant, "enablement")
    for token in (expired, wrong_secret, wrong_audience, no_tenant, bad_subject, unsigned, valid[:-3]):
        async with rest(stack, token) as c:
            body = problem(await c.get("/v1/objectives"), 401)
            assert body["detail"].startswith("The bearer token is not valid"), body
            problem(await c.post("/v1/objectives", json={"name": "x"}), 401)
    async with rest(stack, valid) as c:
        assert await can_read(c) == 200
