"""A gap is open until a coach closes it in a later session of the same seller, with an outcome; closing is
idempotent, checked like the rest of a completion, and mirrored by the metrics read model through its event."""

import uuid
from typing import Any

import httpx

from services.coaching.models import Gap
from tests.coaching.sessions.helpers import at, complete, completion, invalid, problem, schedule
from tests.conftest import Stack, Tenant

Json = dict[str, Any]


async def two_sessions(m1: httpx.AsyncClient, coach: uuid.UUID, seller: uuid.UUID) -> tuple[Json, Json, Json]:
    """A gap opened in a session held 3 days ago, and a later session (scheduled yesterday, not completed)."""
    first = await schedule(m1, coach, seller, scheduled_at=at(-3))
    gap = (await complete(m1, first["id"], completion(seller, held_at=at(-3, 11))))["gaps"][0]
    later = await schedule(m1, coach, seller, scheduled_at=at(-1))
    return first, gap, later


async def test_a_gap_closes_in_a_later_completion(as_person, world, stack: Stack, tenant: Tenant):
    async with as_person(world.m1, "manager") as m1:
        first, gap, later = await two_sessions(m1, world.m1, world.s1)
        assert (gap["status"], gap["outcome"], gap["closed_at"]) == ("open", None, None)
        done = await complete(m1, later["id"], completion(
            world.s1, held_at=at(-1, 11), gaps=[], actions=[],
            gap_closures=[{"gap_id": gap["id"], "outcome": "resolved", "note": "Asks first now"}]))
        closed = (await m1.get(f"/v1/gaps/{gap['id']}")).json()
        assert (closed["status"], closed["outcome"], closed["closed_session_id"], closed["closed_by"],
                closed["closing_note"]) == ("closed", "resolved", done["id"], str(world.m1), "Asks first now")
        assert closed["closed_at"] is not None
        # the session that opened it shows it closed; lists filter by status
        assert (await m1.get(f"/v1/sessions/{first['id']}")).json()["gaps"][0]["status"] == "closed"
        listed = (await m1.get("/v1/gaps", params={"seller_id": str(world.s1), "status": "closed"})).json()
        assert [g["id"] for g in listed["items"]] == [gap["id"]]
        assert (await m1.get("/v1/gaps", params={"seller_id": str(world.s1), "status": "open"})).json()["items"] == []
    # published (gap.opened, then gap.closed) and mirrored by the metrics service
    await stack.settled()
    async with stack.client(tenant.api_key) as c:
        r = await c.get("/api/metrics/v1/gap-evaluations", params={"gap_ids": [gap["id"]]})
        assert r.status_code == 200, r.text
        [mirrored] = r.json()
        assert (mirrored["status"], mirrored["outcome"], mirrored["coach_id"], mirrored["days_to_close"]) == (
            "closed", "resolved", str(world.m1), 2)
        assert mirrored["opened_at"][:16] == at(-3, 11)[:16]


async def test_closing_afterwards_is_idempotent(as_person, world):
    async with as_person(world.m1, "manager") as m1:
        first, gap, later = await two_sessions(m1, world.m1, world.s1)
        url = f"/v1/gaps/{gap['id']}/close"
        invalid(await m1.post(url, json={"session_id": later["id"], "outcome": "persists"}), "body.session_id",
                "not_completed")
        invalid(await m1.post(url, json={"session_id": first["id"], "outcome": "persists"}), "body.session_id",
                "not_later")
        invalid(await m1.post(url, json={"session_id": str(uuid.uuid4()), "outcome": "persists"}), "body.session_id")
        other = await schedule(m1, world.m1, world.s2, scheduled_at=at(-1))
        await complete(m1, other["id"], completion(world.s2, held_at=at(-1, 11)))
        invalid(await m1.post(url, json={"session_id": other["id"], "outcome": "persists"}), "body.session_id")
        invalid(await m1.post(url, json={"session_id": first["id"], "outcome": "gone"}), "body.outcome")
        assert (await m1.get(f"/v1/gaps/{gap['id']}")).json()["status"] == "open"  # nothing written
        await complete(m1, later["id"], completion(world.s1, held_at=at(-1, 11), gaps=[], actions=[]))
        r = await m1.post(url, json={"session_id": later["id"], "outcome": "persists"})
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["outcome"], r.json()["closed_session_id"]) == (
            "closed", "persists", later["id"])
        again = await m1.post(url, json={"session_id": later["id"], "outcome": "persists"})
        assert again.status_code == 200 and again.json() == r.json()
        problem(await m1.post(url, json={"session_id": later["id"], "outcome": "resolved"}), 409)
        problem(await m1.post(f"/v1/gaps/{uuid.uuid4()}/close",
                              json={"session_id": later["id"], "outcome": "resolved"}), 404)
    async with as_person(world.s1) as s1:  # the seller sees the gap but does not close it
        assert (await s1.get(f"/v1/gaps/{gap['id']}")).status_code == 200
        problem(await s1.post(url, json={"session_id": later["id"], "outcome": "persists"}), 403)
    async with as_person(world.m2, "manager") as m2:  # another manager's seller: hidden
        problem(await m2.get(f"/v1/gaps/{gap['id']}"), 404)


async def test_bad_closures_in_a_completion_write_nothing(as_person, world, db):
    async with as_person(world.m1, "manager") as m1:
        _, gap, later = await two_sessions(m1, world.m1, world.s1)
        foreign = (await complete(m1, (await schedule(m1, world.m1, world.s2, scheduled_at=at(-2)))["id"],
                                  completion(world.s2, held_at=at(-2, 11))))["gaps"][0]
        url = f"/v1/sessions/{later['id']}/complete"
        for closures, field, code in (
                ([{"gap_id": str(uuid.uuid4()), "outcome": "resolved"}], "body.gap_closures.0.gap_id", "reference"),
                ([{"gap_id": foreign["id"], "outcome": "resolved"}], "body.gap_closures.0.gap_id", "reference"),
                ([{"gap_id": gap["id"], "outcome": "resolved"}] * 2, "body.gap_closures", None),
                ([{"gap_id": gap["id"], "outcome": "fixed"}], "body.gap_closures.0.outcome", None)):
            invalid(await m1.post(url, json=completion(world.s1, held_at=at(-1, 11), gap_closures=closures)),
                    field, code)
        # held before the session that opened it
        invalid(await m1.post(url, json=completion(world.s1, held_at=at(-4, 11), gap_closures=[
            {"gap_id": gap["id"], "outcome": "resolved"}])), "body.gap_closures.0.gap_id", "not_later")
        async with db.session() as s:
            assert (await s.get(Gap, uuid.UUID(gap["id"]))).status == "open"
        assert (await m1.get(f"/v1/sessions/{later['id']}")).json()["status"] == "scheduled"
        done = await complete(m1, later["id"], completion(world.s1, held_at=at(-1, 11), gap_closures=[
            {"gap_id": gap["id"], "outcome": "no_longer_relevant"}]))
        third = await schedule(m1, world.m1, world.s1, scheduled_at=at(-1))
        invalid(await m1.post(f"/v1/sessions/{third['id']}/complete", json=completion(
            world.s1, held_at=at(-1, 12), gap_closures=[{"gap_id": gap["id"], "outcome": "resolved"}])),
            "body.gap_closures.0.gap_id", "closed")
        assert done["status"] == "completed"
