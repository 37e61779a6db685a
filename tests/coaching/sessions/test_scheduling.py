"""Scheduling: who may schedule, and the coach must coach the seller on the focus on that day."""

import uuid
from datetime import timedelta
from typing import Any

from tests.coaching.sessions.helpers import at, invalid, problem, schedule, session_body, today


async def test_the_manager_schedules_a_session_with_their_report(coaching, as_person, world):
    body = session_body(world.m1, world.s1, focus_keys=["discovery", "demo"],
                        scenario={"behavior_key": "demo", "scenario_id": str(uuid.uuid4())})
    async with as_person(world.m1, "manager") as m1:
        r = await m1.post("/v1/sessions", json=body)
    assert r.status_code == 201, r.text
    s = r.json()
    assert r.headers["location"] == f"/api/coaching/v1/sessions/{s['id']}"
    assert (s["coach_id"], s["seller_id"], s["status"], s["programme_id"]) == (
        str(world.m1), str(world.s1), "scheduled", None)
    assert (s["duration_minutes"], s["focus_keys"], s["scenario"]) == (45, ["discovery", "demo"], body["scenario"])
    assert (s["held_at"], s["notes"], s["private_notes"], s["cancel_reason"], s["next_session_id"]) == (
        None, "", "", None, None)
    assert (s["observations"], s["gaps"], s["actions"], s["goals"], s["rating"]) == ([], [], [], [], None)
    assert (await coaching.get(f"/v1/sessions/{s['id']}")).json() == s


async def test_an_assigned_coach_schedules_within_their_scope_only(as_person, world):
    async with as_person(world.se, "seller") as se:
        await schedule(se, world.se, world.s1, focus_keys=["discovery"])
        err = invalid(await se.post("/v1/sessions", json=session_body(world.se, world.s1,
                                                                       focus_keys=["discovery", "demo"])),
                      "body.focus_keys", "not_coached")
        assert "demo" in err["message"]
        # a session without a focus needs only a link (as `may_coach` reads an empty key list)
        await schedule(se, world.se, world.s1, focus_keys=[])
        # the sales engineer does not coach s2 at all
        err = invalid(await se.post("/v1/sessions", json=session_body(world.se, world.s2)),
                      "body.seller_id", "not_coached")
        assert "does not coach" in err["message"]


async def test_the_link_must_hold_on_the_day_of_the_session(db, as_person, world):
    coach = await db.person("Trainer")
    await db.assign(coach, world.s2, kind="trainer", starts_on=today(), ends_on=today() + timedelta(days=10))
    async with as_person(coach) as c:
        await schedule(c, coach, world.s2, scheduled_at=at(5))
        invalid(await c.post("/v1/sessions", json=session_body(coach, world.s2, scheduled_at=at(11))),
                "body.seller_id", "not_coached")
        invalid(await c.post("/v1/sessions", json=session_body(coach, world.s2, scheduled_at=at(-1))),
                "body.seller_id", "not_coached")
    # the manager coaches only while the reporting line holds, and not when turned off
    async with as_person(world.m1, "manager") as m1:
        invalid(await m1.post("/v1/sessions", json=session_body(world.m1, world.s1, scheduled_at=at(-101))),
                "body.seller_id", "not_coached")
    off = await db.person("Off", manager_is_coach=False)
    await db.line(off, world.m1, today() - timedelta(days=10))
    async with as_person(world.m1, "manager") as m1:
        invalid(await m1.post("/v1/sessions", json=session_body(world.m1, off)), "body.seller_id", "not_coached")


async def test_a_person_schedules_only_as_the_coach(as_person, world):
    async with as_person(world.s1, "seller") as s1:
        body = problem(await s1.post("/v1/sessions", json=session_body(world.m1, world.s1)), 403)
        assert "coach" in body["detail"]
    async with as_person(world.leader, "leader") as leader:
        problem(await leader.post("/v1/sessions", json=session_body(world.m1, world.s1)), 403)


async def test_who_sees_everything_schedules_any_pair(coaching, as_person, world):
    # neither an API key nor an enablement person needs a coaching link
    s = await schedule(coaching, world.out, world.s3, focus_keys=["anything"])
    assert (s["coach_id"], s["seller_id"]) == (str(world.out), str(world.s3))
    async with as_person(world.enab, "enablement") as enab:
        await schedule(enab, world.se, world.s2)


async def test_references_are_checked(coaching, db, world):
    ghost = uuid.uuid4()
    invalid(await coaching.post("/v1/sessions", json=session_body(ghost, world.s1)), "body.coach_id", "reference")
    invalid(await coaching.post("/v1/sessions", json=session_body(world.m1, ghost)), "body.seller_id", "reference")
    gone = await db.person("Gone", active=False)
    invalid(await coaching.post("/v1/sessions", json=session_body(world.m1, gone)), "body.seller_id", "inactive")
    invalid(await coaching.post("/v1/sessions", json=session_body(world.m1, world.m1)), "body.seller_id", "self")
    invalid(await coaching.post("/v1/sessions", json=session_body(world.m1, world.s1, programme_id=str(ghost))),
            "body.programme_id", "reference")


async def test_a_programme_session_needs_the_pair_in_the_programme(coaching, as_person, db, world):
    prog = await db.programme([(world.m1, world.s1)])
    async with as_person(world.m1, "manager") as m1:
        s = await schedule(m1, world.m1, world.s1, programme_id=str(prog))
        assert s["programme_id"] == str(prog)
        invalid(await m1.post("/v1/sessions", json=session_body(world.m1, world.s2, programme_id=str(prog))),
                "body.programme_id", "not_in_programme")


async def test_bad_bodies_are_422(coaching, world):
    cases: list[tuple[dict[str, Any], str]] = [
        ({"unknown": 1}, "body.unknown"),
        ({"scheduled_at": "2030-01-01T10:00:00"}, "body.scheduled_at"),  # no zone
        ({"duration_minutes": 0}, "body.duration_minutes"),
        ({"duration_minutes": 601}, "body.duration_minutes"),
        ({"focus_keys": ["Not A Key"]}, "body.focus_keys.0"),
        ({"focus_keys": ["a-key"] * 2}, "body.focus_keys"),
        ({"focus_keys": [f"key-{i}" for i in range(21)]}, "body.focus_keys"),
        ({"scenario": {"behavior_key": "discovery"}}, "body.scenario.scenario_id"),
        ({"scenario": {"behavior_key": "demo", "scenario_id": str(uuid.uuid4())}}, "body.scenario.behavior_key"),
        ({"coach_id": "not-a-uuid"}, "body.coach_id"),
    ]
    for overrides, field in cases:
        invalid(await coaching.post("/v1/sessions", json=session_body(world.m1, world.s1, **overrides)), field)
    r = await coaching.post("/v1/sessions", json={"coach_id": str(world.m1)})
    invalid(r, "body.seller_id")
    invalid(r, "body.scheduled_at")
    assert (await coaching.get("/v1/sessions")).json()["items"] == []
