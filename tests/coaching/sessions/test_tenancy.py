"""Another tenant's sessions, actions, goals and ratings are invisible (404 / empty) whatever the
operation; its people cannot be referenced (422)."""

import httpx

from common.auth import issue_person_token
from tests.coaching.conftest import BASE
from tests.coaching.sessions.helpers import (
    Db,
    at,
    build_world,
    completion,
    days,
    held,
    ids,
    invalid,
    problem,
    schedule,
    session_body,
)
from tests.conftest import JWT_SECRET

TERMS = {"metric_key": "calls", "kind": "activity", "target": 1, "period": "week", "review_on": days(9)}


async def test_another_tenant_sees_and_touches_nothing(stack, coaching, as_person, world):
    async with as_person(world.m1, "manager") as m1:
        s = await held(m1, world.m1, world.s1)
    async with as_person(world.s1) as s1:
        rated = await s1.put(f"/v1/sessions/{s['id']}/rating",
                             json={"relevant": 4, "developmental": 4, "motivational": 4})
        assert rated.status_code == 201
    action, goal = s["actions"][0], s["goals"][0]

    other = await stack.tenant("other")
    theirs = await build_world(Db(stack, other))
    async with stack.client(other.api_key) as c:
        c.base_url = httpx.URL(BASE)
        for url in ("/v1/sessions", "/v1/actions", "/v1/goals"):
            assert (await c.get(url)).json() == {"items": [], "next_cursor": None}
        assert (await c.get("/v1/sessions", params={"ids": [s["id"]]})).json()["items"] == []
        assert (await c.get("/v1/actions", params={"team_of": str(world.leader)})).json()["items"] == []
        for url in (f"/v1/sessions/{s['id']}", f"/v1/sessions/{s['id']}/rating", f"/v1/actions/{action['id']}",
                    f"/v1/goals/{goal['id']}"):
            problem(await c.get(url), 404)
        for method, url, body in (
            ("POST", f"/v1/sessions/{s['id']}/complete", completion(world.s1)),
            ("POST", f"/v1/sessions/{s['id']}/cancel", {"reason": "mine"}),
            ("POST", f"/v1/sessions/{s['id']}/no-show", None),
            ("PATCH", f"/v1/sessions/{s['id']}", {"duration_minutes": 5}),
            ("PATCH", f"/v1/actions/{action['id']}", {"status": "done"}),
            ("POST", f"/v1/goals/{goal['id']}/revise", TERMS),
        ):
            problem(await c.request(method, url, json=body), 404)
        # our people are unknown there, as are our gaps
        invalid(await c.post("/v1/sessions", json=session_body(world.m1, world.s1)), "body.coach_id", "reference")
        invalid(await c.post("/v1/sessions", json=session_body(theirs.m1, world.s1)), "body.seller_id", "reference")
        invalid(await c.post("/v1/goals", json={**TERMS, "seller_id": str(world.s1), "coach_id": str(theirs.m1)}),
                "body.seller_id", "reference")
        mine = await schedule(c, theirs.m1, theirs.s1, scheduled_at=at(-1))
        bad = completion(theirs.s1, actions=[
            {"description": "x", "owner_id": str(world.s1), "due_on": days(3)},
            {"description": "y", "owner_id": str(theirs.s1), "due_on": days(3), "gap_id": s["gaps"][0]["id"]}])
        r = await c.post(f"/v1/sessions/{mine['id']}/complete", json=bad)
        invalid(r, "body.actions.0.owner_id", "reference")
        invalid(r, "body.actions.1.gap_id", "reference")
    # a person token of the other tenant carrying our ids sees nothing of ours
    token = issue_person_token(JWT_SECRET, tenant_id=other.id, person_id=world.m1, roles=["manager"])
    async with stack.client(token) as c:
        c.base_url = httpx.URL(BASE)
        problem(await c.get(f"/v1/sessions/{s['id']}"), 404)
        assert ids((await c.get("/v1/sessions")).json()) == set()
        assert ids((await c.get("/v1/actions")).json()) == set()
    # and ours is untouched
    after = (await coaching.get(f"/v1/sessions/{s['id']}")).json()
    assert (after["status"], after["actions"][0]["status"], after["goals"][0]["current_revision"]) == (
        "completed", "open", 1)
    assert after["rating"]["relevant"] == 4
