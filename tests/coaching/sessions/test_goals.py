"""Goals: revision 1 carries the proposer's agreement; a goal counts only when both sides agreed to the
current revision; a revision resets agreements except the proposer's; history stays readable."""

import uuid

from tests.coaching.sessions.helpers import days, held, ids, invalid, problem

TERMS = {"metric_key": "discovery_calls", "kind": "activity", "target": 5, "period": "week", "review_on": days(30)}


async def test_agreement_and_revision_history(coaching, as_person, world):
    async with as_person(world.m1, "manager") as m1:
        goal = (await held(m1, world.m1, world.s1))["goals"][0]
    url = f"/v1/goals/{goal['id']}"
    assert (goal["agreed"], goal["current"]["proposed_by"]) == (False, str(world.m1))

    async with as_person(world.s1) as s1:
        r = await s1.post(f"{url}/agree")
        assert r.status_code == 200, r.text
        agreed = r.json()
        assert agreed["agreed"] is True and agreed["current"]["seller_agreed_at"] is not None
        again = (await s1.post(f"{url}/agree", json={})).json()
        assert again["current"]["seller_agreed_at"] == agreed["current"]["seller_agreed_at"]  # idempotent
        assert ids((await s1.get("/v1/goals", params={"agreed": "true"})).json()) == {goal["id"]}

        # the seller proposes new terms: revision 2 carries only the seller's agreement
        r = await s1.post(f"{url}/revise", json={**TERMS, "target": 4, "period": "month"})
        assert r.status_code == 200, r.text
        revised = r.json()
        assert (revised["current_revision"], revised["agreed"], revised["current"]["target"]) == (2, False, 4)
        cur = revised["current"]
        assert (cur["proposed_by"], cur["coach_agreed_at"]) == (str(world.s1), None)
        assert cur["seller_agreed_at"] is not None
        history = [(r["revision"], r["target"], r["agreed"]) for r in revised["revisions"]]
        assert history == [(1, 5, True), (2, 4, False)]
        assert ids((await s1.get("/v1/goals", params={"agreed": "false"})).json()) == {goal["id"]}
        assert (await s1.get("/v1/goals", params={"agreed": "true"})).json()["items"] == []

    async with as_person(world.m1, "manager") as m1:
        body = problem(await m1.post(f"{url}/agree", json={"revision": 1}), 409)
        assert "revision 2" in body["detail"]
        done = (await m1.post(f"{url}/agree", json={"revision": 2})).json()
        assert done["agreed"] is True and done["current_revision"] == 2
    full = (await coaching.get(url)).json()
    assert full == done
    assert [r["revision"] for r in full["revisions"]] == [1, 2]
    assert ids((await coaching.get("/v1/goals", params={"agreed": "true", "seller_id": str(world.s1)})).json()) == {
        goal["id"]}


async def test_only_the_parties_agree_each_for_themselves(coaching, as_person, world):
    async with as_person(world.m1, "manager") as m1:
        goal = (await held(m1, world.m1, world.s1))["goals"][0]
    url = f"/v1/goals/{goal['id']}"
    problem(await coaching.post(f"{url}/agree"), 403)  # an API key cannot speak for a person
    async with as_person(world.enab, "enablement") as enab:
        problem(await enab.post(f"{url}/agree"), 403)
        # who sees everything may revise, but agrees for nobody
        revised = (await enab.post(f"{url}/revise", json=TERMS)).json()
        cur = revised["current"]
        assert (cur["proposed_by"], cur["seller_agreed_at"], cur["coach_agreed_at"]) == (str(world.enab), None, None)
    async with as_person(world.leader, "leader") as leader:
        assert (await leader.get(url)).status_code == 200
        problem(await leader.post(f"{url}/agree"), 403)
        problem(await leader.post(f"{url}/revise", json=TERMS), 403)
    async with as_person(world.s2) as s2:
        problem(await s2.get(url), 404)
        problem(await s2.post(f"{url}/agree"), 404)
    invalid(await coaching.post(f"{url}/revise", json={**TERMS, "review_on": days(-1)}), "body.review_on", "past")
    invalid(await coaching.post(f"{url}/revise", json={**TERMS, "kind": "other"}), "body.kind")
    invalid(await coaching.post(f"{url}/agree", json={"revision": 0}), "body.revision")
    problem(await coaching.post(f"/v1/goals/{uuid.uuid4()}/agree"), 404)


async def test_a_coach_proposes_a_goal_directly(coaching, as_person, world):
    async with as_person(world.se) as se:
        r = await se.post("/v1/goals", json={**TERMS, "seller_id": str(world.s1)})
        assert r.status_code == 201, r.text
        goal = r.json()
        assert r.headers["location"] == f"/api/coaching/v1/goals/{goal['id']}"
        assert (goal["coach_id"], goal["seller_id"], goal["session_id"], goal["current_revision"]) == (
            str(world.se), str(world.s1), None, 1)
        assert goal["current"]["coach_agreed_at"] is not None and goal["agreed"] is False
        # a seller they do not coach, or as another coach
        invalid(await se.post("/v1/goals", json={**TERMS, "seller_id": str(world.s2)}), "body.seller_id",
                "not_coached")
        problem(await se.post("/v1/goals", json={**TERMS, "seller_id": str(world.s1), "coach_id": str(world.m1)}),
                403)
    async with as_person(world.s1) as s1:
        invalid(await s1.post("/v1/goals", json={**TERMS, "seller_id": str(world.m1)}), "body.seller_id")
        invalid(await s1.post("/v1/goals", json={**TERMS, "seller_id": str(world.s1)}), "body.seller_id", "self")
    # an API key names the coach
    invalid(await coaching.post("/v1/goals", json={**TERMS, "seller_id": str(world.s1)}), "body.coach_id",
            "missing")
    r = await coaching.post("/v1/goals", json={**TERMS, "seller_id": str(world.s3), "coach_id": str(world.out)})
    assert r.status_code == 201 and r.json()["current"]["proposed_by"] == str(world.out)
    for body, field in (({"seller_id": str(uuid.uuid4()), "coach_id": str(world.m1)}, "body.seller_id"),
                        ({"seller_id": str(world.s1), "coach_id": str(uuid.uuid4())}, "body.coach_id"),
                        ({"seller_id": str(world.s1), "coach_id": str(world.m1), "review_on": days(-1)},
                         "body.review_on"),
                        ({"seller_id": str(world.s1), "coach_id": str(world.m1), "session_id": str(uuid.uuid4())},
                         "body.session_id"),
                        ({"seller_id": str(world.s1), "coach_id": str(world.m1), "target": 2e12},
                         "body.target"),
                        ({"seller_id": str(world.s1), "coach_id": str(world.m1), "agreed": True}, "body.agreed")):
        invalid(await coaching.post("/v1/goals", json={**TERMS, **body}), field)


async def test_goal_lists_filter(coaching, as_person, world):
    async with as_person(world.m1, "manager") as m1:
        g1 = (await held(m1, world.m1, world.s1))["goals"][0]
        g2 = (await held(m1, world.m1, world.s2))["goals"][0]
    async with as_person(world.m2, "manager") as m2:
        g3 = (await held(m2, world.m2, world.s3))["goals"][0]
    async with as_person(world.s3) as s3:
        await s3.post(f"/v1/goals/{g3['id']}/agree")

    async def query(**params) -> set[str]:
        return ids((await coaching.get("/v1/goals", params=params)).json())

    assert await query() == {g1["id"], g2["id"], g3["id"]}
    assert await query(seller_id=[str(world.s1), str(world.s3)]) == {g1["id"], g3["id"]}
    assert await query(coach_id=str(world.m1)) == {g1["id"], g2["id"]}
    assert await query(agreed="true") == {g3["id"]}
    assert await query(agreed="false", coach_id=str(world.m1)) == {g1["id"], g2["id"]}
    assert await query(ids=[g2["id"], g3["id"]]) == {g2["id"], g3["id"]}
    assert await query(session_id=g1["session_id"]) == {g1["id"]}
    page = (await coaching.get("/v1/goals", params={"limit": 2})).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = (await coaching.get("/v1/goals", params={"limit": 2, "cursor": page["next_cursor"]})).json()
    assert ids(page) | ids(rest) == {g1["id"], g2["id"], g3["id"]} and rest["next_cursor"] is None
    async with as_person(world.m1, "manager") as m1:
        assert ids((await m1.get("/v1/goals")).json()) == {g1["id"], g2["id"]}
    async with as_person(world.leader, "leader") as leader:
        assert ids((await leader.get("/v1/goals", params={"agreed": "true"})).json()) == {g3["id"]}
