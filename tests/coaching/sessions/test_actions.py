"""Actions: open → done | dropped (closed_at set), reopening, who may update, overdue per seller/coach/team."""

import uuid
from datetime import timedelta

from services.coaching.models import Action
from tests.coaching.sessions.helpers import days, held, ids, invalid, problem, today


def act(owner: uuid.UUID, due: int, description: str = "Do it") -> dict[str, str]:
    return {"description": description, "owner_id": str(owner), "due_on": days(due)}


async def test_status_moves_and_closed_at(coaching, as_person, world):
    async with as_person(world.m1, "manager") as m1:
        done = await held(m1, world.m1, world.s1, actions=[act(world.s1, 5)])
        url = f"/v1/actions/{done['actions'][0]['id']}"
        r = await m1.patch(url, json={"status": "done"})
        assert r.status_code == 200, r.text
        closed = r.json()
        assert closed["status"] == "done" and closed["closed_at"] is not None
        problem(await m1.patch(url, json={"due_on": days(9)}), 409)  # closed: reopen first
        r = await m1.patch(url, json={"status": "open", "due_on": days(9)})  # reopen and move in one go
        assert (r.json()["status"], r.json()["closed_at"], r.json()["due_on"]) == ("open", None, days(9))
        r = await m1.patch(url, json={"status": "dropped"})
        assert r.json()["status"] == "dropped" and r.json()["closed_at"] is not None
        same = await m1.patch(url, json={"status": "dropped"})
        assert same.json()["closed_at"] == r.json()["closed_at"]
        for body, field in (({"status": "finished"}, "body.status"), ({"status": None}, "body.status"),
                            ({"description": ""}, "body.description"), ({"owner_id": str(world.m1)}, "body.owner_id")):
            invalid(await m1.patch(url, json=body), field)
        assert (await coaching.get(url)).json()["status"] == "dropped"


async def test_who_may_update_an_action(db, as_person, world):
    owner = await db.person("Helper")
    async with as_person(world.m1, "manager") as m1:
        done = await held(m1, world.m1, world.s1, actions=[act(owner, 5)])
    url = f"/v1/actions/{done['actions'][0]['id']}"
    for person in (owner, world.s1, world.m1):
        async with as_person(person) as c:
            r = await c.patch(url, json={"description": f"by {person}"})
            assert r.status_code == 200, r.text
    async with as_person(world.leader, "leader") as leader:  # sees it (tree) but does not own it
        assert (await leader.get(url)).status_code == 200
        problem(await leader.patch(url, json={"status": "done"}), 403)
    async with as_person(world.out) as out:
        problem(await out.get(url), 404)
        problem(await out.patch(url, json={"status": "done"}), 404)
    async with as_person(world.enab, "enablement") as enab:
        assert (await enab.patch(url, json={"status": "done"})).status_code == 200


async def test_overdue_per_seller_coach_and_team(coaching, db, as_person, world):
    """Overdue = open and due before today. Actions are back-dated in the database (no waiting)."""
    async with as_person(world.m1, "manager") as m1:
        a = await held(m1, world.m1, world.s1, actions=[act(world.s1, 1, "late"), act(world.s1, 1, "done late"),
                                                         act(world.s1, 30, "on time")])
        b = await held(m1, world.m1, world.s2, actions=[act(world.s2, 1, "late s2")])
    async with as_person(world.m2, "manager") as m2:
        c = await held(m2, world.m2, world.s3, actions=[act(world.s3, 1, "late s3")])
    late, done_late, on_time = (x["id"] for x in a["actions"])
    late_s2, late_s3 = b["actions"][0]["id"], c["actions"][0]["id"]
    async with db.session() as s:
        for action_id in (late, done_late, late_s2, late_s3):
            row = await s.get(Action, uuid.UUID(action_id))
            assert row is not None
            row.due_on = today() - timedelta(days=2)
        await s.commit()
    assert (await coaching.patch(f"/v1/actions/{done_late}", json={"status": "done"})).status_code == 200

    async def query(**params) -> set[str]:
        r = await coaching.get("/v1/actions", params=params)
        assert r.status_code == 200, r.text
        return ids(r.json())

    assert await query(seller_id=str(world.s1), overdue="true") == {late}
    assert await query(seller_id=str(world.s1), overdue="false") == {done_late, on_time}
    assert await query(coach_id=str(world.m1), overdue="true") == {late, late_s2}
    assert await query(coach_id=str(world.m2), overdue="true") == {late_s3}
    assert await query(team_of=str(world.m1), overdue="true") == {late, late_s2}
    assert await query(team_of=str(world.leader), overdue="true") == {late, late_s2, late_s3}
    assert await query(team_of=str(world.s1), overdue="true") == set()
    assert await query(team_of=str(world.leader), status="done") == {done_late}
    assert await query(team_of=str(world.leader), status="open", overdue="false") == {on_time}
    assert await query(seller_id=[str(world.s1), str(world.s3)], overdue="true") == {late, late_s3}
    assert await query(owner_id=str(world.s2)) == {late_s2}
    assert await query(session_id=c["id"]) == {late_s3}
    one = (await coaching.get(f"/v1/actions/{late}")).json()
    assert (one["overdue"], (await coaching.get(f"/v1/actions/{on_time}")).json()["overdue"]) == (True, False)
    invalid(await coaching.get("/v1/actions", params={"overdue": "maybe"}), "query.overdue")
    invalid(await coaching.get("/v1/actions", params={"status": "late"}), "query.status")

    # the team is the tree as of today: s2 moves from m1 to m2
    await db.close_line(world.lines["s2"], today())
    await db.line(world.s2, world.m2, today())
    assert await query(team_of=str(world.m1), overdue="true") == {late}
    assert await query(team_of=str(world.m2), overdue="true") == {late_s2, late_s3}

    # a person's lists are cut to what they may see
    async with as_person(world.s1) as s1:
        assert ids((await s1.get("/v1/actions", params={"overdue": "true"})).json()) == {late}
        assert ids((await s1.get("/v1/actions", params={"team_of": str(world.leader)})).json()) == {
            late, done_late, on_time}
    async with as_person(world.m2, "manager") as m2:
        assert ids((await m2.get("/v1/actions", params={"overdue": "true"})).json()) == {late_s2, late_s3}


async def test_actions_page_by_id(coaching, as_person, world):
    async with as_person(world.m1, "manager") as m1:
        done = await held(m1, world.m1, world.s1, actions=[act(world.s1, 3, f"a{i}") for i in range(5)])
    want = [a["id"] for a in done["actions"]]
    seen, cursor = [], None
    while True:
        page = (await coaching.get("/v1/actions", params={"limit": 2, **({"cursor": cursor} if cursor else {})})).json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(want)
    assert ids((await coaching.get("/v1/actions", params={"ids": want[:2]})).json()) == set(want[:2])
    invalid(await coaching.get("/v1/actions", params={"ids": [str(uuid.uuid4())] * 201}), "query.ids")

