"""Completion records the whole conversation in one transaction; any bad item → 422 and nothing written."""

import uuid
from typing import Any

from services.coaching.models import Action, Gap, Goal, GoalRevision, Observation, Session
from tests.coaching.sessions.helpers import at, complete, completion, days, invalid, on, problem, schedule

PARTS = (Observation, Gap, Action, Goal, GoalRevision, Session)


async def test_a_full_completion(as_person, world):
    async with as_person(world.m1, "manager") as m1:
        s = await schedule(m1, world.m1, world.s1, scheduled_at=at(-1))
        r1 = await m1.post(f"/v1/sessions/{s['id']}/complete", json=completion(
            world.s1, held_at=at(-1, 11), duration_minutes=50,
            gaps=[{"behavior_key": "discovery", "description": "Jumps to the demo", "root_cause": "skills"},
                  {"behavior_key": "closing", "description": "Avoids the ask", "root_cause": "commitment"}],
            actions=[{"description": "Five questions", "owner_id": str(world.s1), "due_on": days(7), "gap_index": 1},
                     {"description": "Send the guide", "owner_id": str(world.m1), "due_on": days(2)}],
            next_session={"scheduled_at": at(14)}))
        assert r1.status_code == 200, r1.text
        done = r1.json()
        assert (done["status"], done["held_at"][:16], done["duration_minutes"]) == ("completed", at(-1, 11)[:16], 50)
        assert (done["notes"], done["private_notes"]) == ("Shared with the seller", "For me only")
        assert [(o["behavior_key"], o["level"], o["evidence"]) for o in done["observations"]] == [
            ("discovery", 3, "asked two open questions")]
        gaps = done["gaps"]
        assert [(g["behavior_key"], g["root_cause"], g["seller_id"]) for g in gaps] == [
            ("discovery", "skills", str(world.s1)), ("closing", "commitment", str(world.s1))]
        a1, a2 = done["actions"]
        assert (a1["gap_id"], a1["owner_id"], a1["status"], a1["overdue"], a1["closed_at"]) == (
            gaps[1]["id"], str(world.s1), "open", False, None)
        assert (a2["gap_id"], a2["owner_id"], a2["seller_id"], a2["coach_id"]) == (
            None, str(world.m1), str(world.s1), str(world.m1))
        [goal] = done["goals"]
        assert (goal["current_revision"], goal["agreed"], goal["session_id"]) == (1, False, s["id"])
        assert goal["current"]["coach_agreed_at"] is not None and goal["current"]["seller_agreed_at"] is None
        assert goal["current"]["proposed_by"] == str(world.m1)
        # the next session is scheduled and linked
        nxt = (await m1.get(f"/v1/sessions/{done['next_session_id']}")).json()
        assert (nxt["status"], nxt["coach_id"], nxt["seller_id"], nxt["focus_keys"], nxt["duration_minutes"]) == (
            "scheduled", str(world.m1), str(world.s1), ["discovery"], 45)
        assert nxt["scheduled_at"][:16] == at(14)[:16]
        assert (await m1.get(f"/v1/sessions/{s['id']}")).json() == done


async def test_an_action_may_link_an_earlier_gap_of_the_same_seller(coaching, as_person, world):
    async with as_person(world.m1, "manager") as m1:
        first = await schedule(m1, world.m1, world.s1, scheduled_at=at(-2))
        gap = (await complete(m1, first["id"], completion(world.s1)))["gaps"][0]
        other = await schedule(m1, world.m1, world.s2, scheduled_at=at(-2))
        foreign_gap = (await complete(m1, other["id"], completion(world.s2)))["gaps"][0]
        second = await schedule(m1, world.m1, world.s1, scheduled_at=at(-1))
        action = {"description": "Follow up", "owner_id": str(world.s1), "due_on": days(3)}
        invalid(await m1.post(f"/v1/sessions/{second['id']}/complete", json=completion(
            world.s1, actions=[{**action, "gap_id": foreign_gap["id"]}])), "body.actions.0.gap_id", "reference")
        invalid(await m1.post(f"/v1/sessions/{second['id']}/complete", json=completion(
            world.s1, actions=[{**action, "gap_id": str(uuid.uuid4())}])), "body.actions.0.gap_id", "reference")
        done = await complete(m1, second["id"], completion(world.s1, gaps=[], actions=[{**action,
                                                                                       "gap_id": gap["id"]}]))
        assert done["actions"][0]["gap_id"] == gap["id"]


async def test_a_bad_item_writes_nothing(db, as_person, world):
    async with as_person(world.m1, "manager") as m1:
        s = await schedule(m1, world.m1, world.s1, scheduled_at=at(-1))
        before = {m: await db.count(m) for m in PARTS}
        ghost = str(uuid.uuid4())
        bad = completion(world.s1, next_session={"scheduled_at": at(7)}, actions=[
            {"description": "Good", "owner_id": str(world.s1), "due_on": days(3), "gap_index": 0},
            {"description": "Bad owner", "owner_id": ghost, "due_on": days(3)},
            {"description": "Bad gap", "owner_id": str(world.s1), "due_on": days(3), "gap_index": 1},
            {"description": "Too early", "owner_id": str(world.s1), "due_on": days(-5)}],
            goals=[{"metric_key": "calls", "kind": "activity", "target": 1, "period": "week", "review_on": days(-9)}])
        body = problem(await m1.post(f"/v1/sessions/{s['id']}/complete", json=bad), 422)
        assert "nothing was recorded" in body["detail"]
        assert {(e["field"], e["code"]) for e in body["errors"]} == {
            ("body.actions.1.owner_id", "reference"), ("body.actions.2.gap_index", "out_of_range"),
            ("body.actions.3.due_on", "before_session"), ("body.goals.0.review_on", "before_session")}
        assert {m: await db.count(m) for m in PARTS} == before
        after = (await m1.get(f"/v1/sessions/{s['id']}")).json()
        assert (after["status"], after["notes"], after["held_at"], after["next_session_id"]) == (
            "scheduled", "", None, None)
        # the same session completes once the payload is right
        await complete(m1, s["id"], completion(world.s1))


async def test_items_are_validated_and_capped(coaching, as_person, world):
    async with as_person(world.m1, "manager") as m1:
        s = await schedule(m1, world.m1, world.s1, scheduled_at=at(-1))
        url = f"/v1/sessions/{s['id']}/complete"
        obs = {"behavior_key": "discovery", "level": 3, "evidence": ""}
        gap = {"behavior_key": "discovery", "description": "d", "root_cause": "skills"}
        act = {"description": "d", "owner_id": str(world.s1), "due_on": days(1)}
        goal = {"metric_key": "calls", "kind": "activity", "target": 1, "period": "week", "review_on": days(9)}
        cases: list[tuple[dict[str, Any], str]] = [
            ({"observations": [{**obs, "level": 0}]}, "body.observations.0.level"),
            ({"observations": [{**obs, "level": 11}]}, "body.observations.0.level"),
            ({"observations": [obs] * 51}, "body.observations"),
            ({"observations": [{**obs, "evidence": "x" * 5001}]}, "body.observations.0.evidence"),
            ({"gaps": [{**gap, "root_cause": "laziness"}]}, "body.gaps.0.root_cause"),
            ({"gaps": [{**gap, "description": ""}]}, "body.gaps.0.description"),
            ({"gaps": [gap] * 21}, "body.gaps"),
            ({"actions": [act] * 31}, "body.actions"),
            ({"actions": [{**act, "gap_index": 0, "gap_id": str(uuid.uuid4())}]}, "body.actions.0"),
            ({"actions": [{**act, "status": "done"}]}, "body.actions.0.status"),
            ({"goals": [goal] * 11}, "body.goals"),
            ({"goals": [{**goal, "kind": "vibes"}]}, "body.goals.0.kind"),
            ({"goals": [{**goal, "period": "year"}]}, "body.goals.0.period"),
            ({"goals": [{**goal, "target": -1}]}, "body.goals.0.target"),
            ({"goals": [{**goal, "metric_key": "Bad Key"}]}, "body.goals.0.metric_key"),
            ({"notes": "x" * 20_001}, "body.notes"),
            ({"private_notes": "x" * 20_001}, "body.private_notes"),
            ({"held_at": at(3)}, "body.held_at"),
            ({"held_at": "2026-01-01T10:00:00"}, "body.held_at"),
            ({"next_session": {"scheduled_at": at(-3)}}, "body.next_session.scheduled_at"),
            ({"next_session": {"scheduled_at": at(3), "extra": 1}}, "body.next_session.extra"),
            ({"surprise": True}, "body.surprise"),
        ]
        for overrides, field in cases:
            invalid(await m1.post(url, json={"held_at": at(-1, 11), **overrides}), field)
        assert (await m1.get(f"/v1/sessions/{s['id']}")).json()["status"] == "scheduled"


async def test_the_next_session_needs_the_link_on_its_day(db, as_person, world):
    coach = await db.person("Short")
    await db.assign(coach, world.s2, kind="trainer", scope=["discovery"], ends_on=on(5))
    async with as_person(coach) as c:
        s = await schedule(c, coach, world.s2, scheduled_at=at(-1))
        invalid(await c.post(f"/v1/sessions/{s['id']}/complete", json=completion(
            world.s2, next_session={"scheduled_at": at(10)})), "body.next_session.scheduled_at", "not_coached")
        invalid(await c.post(f"/v1/sessions/{s['id']}/complete", json=completion(
            world.s2, next_session={"scheduled_at": at(3), "focus_keys": ["demo"]})),
            "body.next_session.focus_keys", "not_coached")
        done = await complete(c, s["id"], completion(world.s2, next_session={"scheduled_at": at(3)}))
        assert done["next_session_id"]


async def test_only_the_coach_completes(coaching, as_person, world):
    async with as_person(world.m1, "manager") as m1:
        s = await schedule(m1, world.m1, world.s1, scheduled_at=at(-1))
    async with as_person(world.se) as se:  # coaches s1, but this is not their session
        problem(await se.post(f"/v1/sessions/{s['id']}/complete", json={}), 404)
    async with as_person(world.m2, "manager") as m2:
        problem(await m2.post(f"/v1/sessions/{s['id']}/complete", json={}), 404)
    async with as_person(world.leader, "leader") as leader:
        problem(await leader.post(f"/v1/sessions/{s['id']}/complete", json={}), 403)
    # an API key acts tenant-wide
    done = await complete(coaching, s["id"], completion(world.s1))
    assert done["goals"][0]["current"]["proposed_by"] == str(world.m1)

