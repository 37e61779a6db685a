"""scheduled → completed | cancelled | no_show; nothing else moves (409); reschedule only while scheduled."""

from tests.coaching.sessions.helpers import at, complete, completion, invalid, problem, schedule


async def test_cancel_needs_a_reason_and_happens_once(as_person, world):
    async with as_person(world.m1, "manager") as m1:
        s = await schedule(m1, world.m1, world.s1)
        url = f"/v1/sessions/{s['id']}/cancel"
        invalid(await m1.post(url, json={}), "body.reason")
        invalid(await m1.post(url, json={"reason": "  "}), "body.reason")
        invalid(await m1.post(url, json={"reason": "x" * 501}), "body.reason")
        r = await m1.post(url, json={"reason": "Seller on leave"})
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["cancel_reason"]) == ("cancelled", "Seller on leave")
        body = problem(await m1.post(url, json={"reason": "again"}), 409)
        assert "cancelled" in body["detail"]
        for move in ("complete", "no-show"):
            problem(await m1.post(f"/v1/sessions/{s['id']}/{move}", json={}), 409)
        problem(await m1.patch(f"/v1/sessions/{s['id']}", json={"scheduled_at": at(3)}), 409)


async def test_the_seller_may_cancel_but_not_run_the_session(as_person, world):
    async with as_person(world.m1, "manager") as m1:
        s = await schedule(m1, world.m1, world.s1, scheduled_at=at(-1))
        other = await schedule(m1, world.m1, world.s1)
    async with as_person(world.s1, "seller") as s1:
        problem(await s1.post(f"/v1/sessions/{s['id']}/complete", json={}), 403)
        problem(await s1.post(f"/v1/sessions/{s['id']}/no-show"), 403)
        problem(await s1.patch(f"/v1/sessions/{s['id']}", json={"scheduled_at": at(3)}), 403)
        r = await s1.post(f"/v1/sessions/{other['id']}/cancel", json={"reason": "Customer visit"})
        assert r.status_code == 200 and r.json()["status"] == "cancelled"
    # the manager above sees the session but does not run it
    async with as_person(world.leader, "leader") as leader:
        assert (await leader.get(f"/v1/sessions/{s['id']}")).status_code == 200
        for move, body in (("complete", {}), ("cancel", {"reason": "no"}), ("no-show", None)):
            problem(await leader.post(f"/v1/sessions/{s['id']}/{move}", json=body), 403)
    # a stranger does not even see it
    async with as_person(world.out, "seller") as out:
        problem(await out.post(f"/v1/sessions/{s['id']}/cancel", json={"reason": "no"}), 404)


async def test_no_show_only_once_the_time_has_come(as_person, world):
    async with as_person(world.m1, "manager") as m1:
        future = await schedule(m1, world.m1, world.s1, scheduled_at=at(1))
        body = problem(await m1.post(f"/v1/sessions/{future['id']}/no-show"), 409)
        assert "not started" in body["detail"]
        past = await schedule(m1, world.m1, world.s1, scheduled_at=at(-1))
        r = await m1.post(f"/v1/sessions/{past['id']}/no-show")
        assert r.status_code == 200 and r.json()["status"] == "no_show"
        problem(await m1.post(f"/v1/sessions/{past['id']}/no-show"), 409)
        problem(await m1.post(f"/v1/sessions/{past['id']}/complete", json={}), 409)
        problem(await m1.post(f"/v1/sessions/{past['id']}/cancel", json={"reason": "late"}), 409)


async def test_a_completed_session_stays_completed(as_person, world):
    async with as_person(world.m1, "manager") as m1:
        s = await schedule(m1, world.m1, world.s1, scheduled_at=at(-1))
        await complete(m1, s["id"], {})
        for move, body in (("complete", {}), ("cancel", {"reason": "oops"}), ("no-show", None)):
            problem(await m1.post(f"/v1/sessions/{s['id']}/{move}", json=body), 409)
        problem(await m1.patch(f"/v1/sessions/{s['id']}", json={"duration_minutes": 20}), 409)
        assert (await m1.get(f"/v1/sessions/{s['id']}")).json()["status"] == "completed"


async def test_reschedule_while_scheduled(as_person, world):
    async with as_person(world.se) as se:
        s = await schedule(se, world.se, world.s1, focus_keys=["discovery"])
        url = f"/v1/sessions/{s['id']}"
        r = await se.patch(url, json={"scheduled_at": at(4, 15), "duration_minutes": 20})
        assert r.status_code == 200, r.text
        moved = r.json()
        assert (moved["scheduled_at"][:16], moved["duration_minutes"], moved["focus_keys"]) == (
            at(4, 15)[:16], 20, ["discovery"])
        # the coaching link is checked again on the new focus
        invalid(await se.patch(url, json={"focus_keys": ["demo"]}), "body.focus_keys", "not_coached")
        for field in ("scheduled_at", "duration_minutes", "focus_keys"):
            invalid(await se.patch(url, json={field: None}), f"body.{field}", "not_null")
        invalid(await se.patch(url, json={"status": "completed"}), "body.status")
        invalid(await se.patch(url, json={"scenario": {"behavior_key": "demo", "scenario_id": s["id"]}}),
                "body.scenario.behavior_key", "not_in_focus")
        r = await se.patch(url, json={"scenario": {"behavior_key": "discovery", "scenario_id": s["id"]}})
        assert r.json()["scenario"] == {"behavior_key": "discovery", "scenario_id": s["id"]}
        r = await se.patch(url, json={"scenario": None})
        assert r.json()["scenario"] is None
        assert (await se.get(url)).json()["scheduled_at"][:16] == at(4, 15)[:16]


async def test_reschedule_to_a_day_without_the_link_is_422(db, as_person, world):
    async with as_person(world.m1, "manager") as m1:
        s = await schedule(m1, world.m1, world.s1)
        invalid(await m1.patch(f"/v1/sessions/{s['id']}", json={"scheduled_at": at(-200)}),
                "body.scheduled_at", "not_coached")


async def test_complete_with_the_least_body(as_person, world):
    async with as_person(world.m1, "manager") as m1:
        s = await schedule(m1, world.m1, world.s1, scheduled_at=at(-1))
        done = await complete(m1, s["id"], completion(world.s1, observations=[], gaps=[], actions=[], goals=[]))
        assert done["status"] == "completed" and done["held_at"] is not None
        assert done["duration_minutes"] == 45
