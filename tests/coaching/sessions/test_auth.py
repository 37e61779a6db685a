"""Credentials at the door: none → 401, a read-only key reads but does not write; unknown ids → 404."""

import uuid

import httpx

from tests.coaching.conftest import BASE
from tests.coaching.sessions.helpers import completion, days, invalid, problem, schedule, session_body


async def test_credentials_and_scopes(stack, tenant, coaching, world):
    s = await schedule(coaching, world.m1, world.s1)
    async with stack.client() as anonymous:
        anonymous.base_url = httpx.URL(BASE)
        r = await anonymous.get("/v1/sessions")
        assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    reader = await stack.key(tenant, "coaching:read")
    async with stack.client(reader) as c:
        c.base_url = httpx.URL(BASE)
        assert (await c.get(f"/v1/sessions/{s['id']}")).status_code == 200
        for method, url, body in (
            ("POST", "/v1/sessions", session_body(world.m1, world.s1)),
            ("POST", f"/v1/sessions/{s['id']}/complete", completion(world.s1)),
            ("POST", f"/v1/sessions/{s['id']}/cancel", {"reason": "x"}),
            ("PATCH", f"/v1/actions/{uuid.uuid4()}", {"status": "done"}),
            ("POST", "/v1/goals", {}),
        ):
            body_ = problem(await c.request(method, url, json=body), 403)
            assert "coaching:write" in body_["detail"]
    other_scope = await stack.key(tenant, "behaviors:write")
    async with stack.client(other_scope) as c:
        c.base_url = httpx.URL(BASE)
        problem(await c.get("/v1/sessions"), 403)


async def test_unknown_and_malformed_ids(coaching):
    ghost = uuid.uuid4()
    for url in (f"/v1/sessions/{ghost}", f"/v1/sessions/{ghost}/rating", f"/v1/actions/{ghost}",
                f"/v1/goals/{ghost}"):
        problem(await coaching.get(url), 404)
    problem(await coaching.patch(f"/v1/sessions/{ghost}", json={"duration_minutes": 5}), 404)
    problem(await coaching.post(f"/v1/sessions/{ghost}/complete", json={}), 404)
    problem(await coaching.post(f"/v1/goals/{ghost}/revise", json={
        "metric_key": "calls", "kind": "activity", "target": 1, "period": "week", "review_on": days(3)}), 404)
    invalid(await coaching.get("/v1/sessions/not-an-id"), "path.session_id")
    invalid(await coaching.patch("/v1/actions/not-an-id", json={}), "path.action_id")
