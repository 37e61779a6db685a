"""Goals due for review and their reviews: due from the agreed revision's review day until a review is recorded;
one review per agreed revision (achieved / missed / carried over into a later one); who may review;
`goal.review_due` recorded once per revision by the sweep."""

import asyncio
import uuid
from typing import Any

import httpx
from sqlalchemy import select

from services.coaching.models import Outbox
from services.coaching.sessions.review_due import ReviewDueSweeper
from tests.coaching.sessions.helpers import Db, days, held, ids, invalid, on, problem

TERMS = {"metric_key": "discovery_calls", "kind": "activity", "target": 5, "period": "week", "review_on": days(30)}


async def agreed_goal(as_person: Any, world: Any, seller: uuid.UUID | None = None) -> dict[str, Any]:
    """A goal of m1 with a seller (s1), agreed by both: review day in 30 days."""
    seller = seller or world.s1
    async with as_person(world.m1, "manager") as m1:
        goal = (await held(m1, world.m1, seller))["goals"][0]
    async with as_person(seller) as s:
        r = await s.post(f"/v1/goals/{goal['id']}/agree")
        assert r.status_code == 200, r.text
        return dict(r.json())


async def due(client: httpx.AsyncClient, day: int, **params: Any) -> set[str]:
    r = await client.get("/v1/goals", params={"due_for_review": "true", "on": days(day), **params})
    assert r.status_code == 200, r.text
    return ids(r.json())


async def announced(db: Db) -> list[dict[str, Any]]:
    """The goal.review_due events in the outbox (entity_id, entity_version, payload)."""
    async with db.session() as s:
        rows = (await s.execute(select(Outbox).where(Outbox.c.topic == "coaching.goal.review_due")
                                .order_by(Outbox.c.id))).mappings().all()
    return [dict(row) for row in rows]


async def test_due_from_the_review_day_until_reviewed(coaching, as_person, world):
    goal = await agreed_goal(as_person, world)
    assert (goal["agreed_revision"], goal["due_for_review"], goal["reviews"]) == (1, False, [])
    unagreed = (await coaching.post("/v1/goals", json={**TERMS, "seller_id": str(world.s2),
                                                       "coach_id": str(world.m1)})).json()["id"]
    assert await due(coaching, 29) == set()
    assert await due(coaching, 30) == {goal["id"]}  # an unagreed goal is never due
    assert await due(coaching, 60, coach_id=str(world.m1)) == {goal["id"]}
    assert await due(coaching, 60, coach_id=str(world.m2)) == set()
    not_due = ids((await coaching.get("/v1/goals", params={"due_for_review": "false", "on": days(30)})).json())
    assert goal["id"] not in not_due and unagreed in not_due

    url = f"/v1/goals/{goal['id']}/reviews"
    async with as_person(world.m1, "manager") as m1:
        assert await due(m1, 30) == {goal["id"]}
        problem(await m1.post(url, json={"outcome": "achieved", "revision": 2}), 409)
        r = await m1.post(url, json={"outcome": "achieved", "note": "Five a week for a month", "revision": 1})
        assert r.status_code == 201, r.text
        assert r.headers["location"] == f"/api/coaching/v1/goals/{goal['id']}"
        review = r.json()
        assert (review["revision"], review["outcome"], review["carried_into"], review["reviewed_by"],
                review["note"]) == (1, "achieved", None, str(world.m1), "Five a week for a month")
        assert await due(m1, 30) == set()
        problem(await m1.post(url, json={"outcome": "missed"}), 409)  # once per revision
    full = (await coaching.get(f"/v1/goals/{goal['id']}")).json()
    assert full["reviews"] == [review] and full["due_for_review"] is False
    problem(await coaching.post(f"/v1/goals/{unagreed}/reviews", json={"outcome": "missed"}), 409)


async def test_who_may_review(coaching, as_person, world):
    goal = await agreed_goal(as_person, world)
    url = f"/v1/goals/{goal['id']}/reviews"
    async with as_person(world.s1) as s1:
        problem(await s1.post(url, json={"outcome": "achieved"}), 403)  # the seller does not grade themselves
    async with as_person(world.s2) as s2:
        problem(await s2.post(url, json={"outcome": "achieved"}), 404)
    async with as_person(world.se) as se:  # coaches s1 on something, but this is not their goal
        problem(await se.post(url, json={"outcome": "achieved"}), 404)
    async with as_person(world.m2, "manager") as m2:
        problem(await m2.post(url, json={"outcome": "achieved"}), 404)
    async with as_person(world.leader, "leader") as leader:  # s1 is in the leader's tree
        r = await leader.post(url, json={"outcome": "missed"})
        assert r.status_code == 201 and r.json()["reviewed_by"] == str(world.leader), r.text
    other = await agreed_goal(as_person, world, world.s2)
    async with as_person(world.enab, "enablement") as enab:
        assert (await enab.post(f"/v1/goals/{other['id']}/reviews", json={"outcome": "achieved"})).status_code == 201
    third = await agreed_goal(as_person, world, world.s2)
    r = await coaching.post(f"/v1/goals/{third['id']}/reviews", json={"outcome": "achieved"})
    assert r.status_code == 201 and r.json()["reviewed_by"] is None  # an API key
    for body, field in (({"outcome": "done"}, "body.outcome"), ({"outcome": "achieved", "x": 1}, "body.x"),
                        ({"outcome": "achieved", "note": "n" * 2001}, "body.note")):
        invalid(await coaching.post(url, json=body), field)
    problem(await coaching.post(f"/v1/goals/{uuid.uuid4()}/reviews", json={"outcome": "achieved"}), 404)


async def test_carried_over_into_a_revision(coaching, as_person, world, db):
    goal = await agreed_goal(as_person, world)
    url = f"/v1/goals/{goal['id']}/reviews"
    async with as_person(world.m1, "manager") as m1:
        invalid(await m1.post(url, json={"outcome": "carried_over"}), "body.carry_into", "missing")
        invalid(await m1.post(url, json={"outcome": "missed", "carry_into": TERMS}), "body")
        invalid(await m1.post(url, json={"outcome": "carried_over", "carry_into": {**TERMS, "review_on": days(-1)}}),
                "body.review_on", "past")
        r = await m1.post(url, json={"outcome": "carried_over",
                                     "carry_into": {**TERMS, "target": 4, "review_on": days(60)}})
        assert r.status_code == 201, r.text
        assert (r.json()["revision"], r.json()["carried_into"]) == (1, 2)
        g = (await m1.get(f"/v1/goals/{goal['id']}")).json()
        assert (g["current_revision"], g["agreed_revision"], g["current"]["target"]) == (2, 1, 4)
        assert g["current"]["coach_agreed_at"] is not None and g["current"]["seller_agreed_at"] is None
    assert await due(coaching, 90) == set()  # revision 1 reviewed, revision 2 not agreed yet
    async with as_person(world.s1) as s1:
        assert (await s1.post(f"/v1/goals/{goal['id']}/agree")).json()["agreed_revision"] == 2
    assert await due(coaching, 59) == set()
    assert await due(coaching, 60) == {goal["id"]}

    # carried over into a revision proposed before the review
    other = await agreed_goal(as_person, world, world.s2)
    async with as_person(world.s2) as s2:
        await s2.post(f"/v1/goals/{other['id']}/revise", json={**TERMS, "target": 3})
    r = await coaching.post(f"/v1/goals/{other['id']}/reviews", json={"outcome": "carried_over"})
    assert r.status_code == 201 and (r.json()["revision"], r.json()["carried_into"]) == (1, 2), r.text

    # the sweep announces each agreed revision once, when its day comes
    sweep = ReviewDueSweeper(db.stack.local.services["coaching"].state.db, every=3600, today=lambda: on(59))
    assert await sweep.run_once() == 0
    sweep.today = lambda: on(60)
    assert await sweep.run_once() == 1
    assert await sweep.run_once() == 0
    [event] = await announced(db)
    assert (event["entity_id"], event["entity_version"]) == (goal["id"], 2)
    p = event["payload"]
    assert (p["revision"], p["target"], p["review_on"], p["seller_id"], p["coach_id"]) == (
        2, 4, days(60), str(world.s1), str(world.m1))


async def test_the_sweep_announces_once_and_skips_reviewed_goals(coaching, as_person, world, db):
    goals = [await agreed_goal(as_person, world, s) for s in (world.s1, world.s2, world.s1)]
    await coaching.post(f"/v1/goals/{goals[2]['id']}/reviews", json={"outcome": "achieved"})  # early
    sweep = ReviewDueSweeper(db.stack.local.services["coaching"].state.db, every=3600, today=lambda: on(29))
    assert await sweep.run_once() == 0
    sweep.today = lambda: on(31)
    assert await sweep.run_once() == 2
    assert await sweep.run_once() == 0
    again = ReviewDueSweeper(db.stack.local.services["coaching"].state.db, every=3600, today=lambda: on(40))
    assert await again.run_once() == 0  # a restarted sweeper finds them announced
    events = await announced(db)
    assert sorted(e["entity_id"] for e in events) == sorted(g["id"] for g in goals[:2])
    assert {e["entity_version"] for e in events} == {1}
    # still due (announcing is not reviewing) until reviewed
    assert await due(coaching, 31) == {g["id"] for g in goals[:2]}


async def test_two_sweepers_at_once_announce_each_revision_once(as_person, world, db):
    """Replicas sweep side by side (PostgreSQL: rows taken FOR UPDATE SKIP LOCKED; SQLite: one writer at a time)."""
    goals = [await agreed_goal(as_person, world, s) for s in (world.s1, world.s2) * 3]
    engine = db.stack.local.services["coaching"].state.db
    sweeps = [ReviewDueSweeper(engine, every=3600, today=lambda: on(30)) for _ in range(2)]
    counts = await asyncio.gather(*(s.run_once() for s in sweeps))
    assert sum(counts) == len(goals)
    assert sorted(e["entity_id"] for e in await announced(db)) == sorted(g["id"] for g in goals)
