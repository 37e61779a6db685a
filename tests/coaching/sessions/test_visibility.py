"""Who sees what: sellers their own sessions without private notes, coaches what they hold, managers
their reporting tree as of today without other coaches' private notes, enablement, admin and API keys
all. Lists filter in SQL; a hidden session reads as 404."""

from tests.coaching.sessions.helpers import held, ids, on, problem, schedule, today


async def _sessions(world, as_person):
    """m1 holds a session with s1 and s2; se holds one with s1; m2 holds one with s3."""
    async with as_person(world.m1, "manager") as m1:
        m1_s1 = await held(m1, world.m1, world.s1)
        m1_s2 = await held(m1, world.m1, world.s2)
    async with as_person(world.se) as se:
        se_s1 = await held(se, world.se, world.s1)
    async with as_person(world.m2, "manager") as m2:
        m2_s3 = await held(m2, world.m2, world.s3)
    return m1_s1, m1_s2, se_s1, m2_s3


async def _seen(client, *sessions) -> dict[str, str | None]:
    """Each session's private notes as `client` reads it (only for sessions it sees)."""
    out = {}
    for s in sessions:
        r = await client.get(f"/v1/sessions/{s['id']}")
        if r.status_code == 200:
            out[s["id"]] = r.json()["private_notes"]
        else:
            problem(r, 404)
    listed = (await client.get("/v1/sessions")).json()
    assert ids(listed) == set(out), "the list and the reads disagree"
    assert {s["id"]: s["private_notes"] for s in listed["items"]} == out
    batch = (await client.get("/v1/sessions", params={"ids": [s["id"] for s in sessions]})).json()
    assert ids(batch) == set(out)
    return out


async def test_each_person_sees_their_share(coaching, as_person, world):
    m1_s1, m1_s2, se_s1, m2_s3 = all4 = await _sessions(world, as_person)
    notes = "For me only"
    async with as_person(world.s1) as s1:  # own sessions, never private notes
        assert await _seen(s1, *all4) == {m1_s1["id"]: None, se_s1["id"]: None}
        assert (await s1.get(f"/v1/sessions/{m1_s1['id']}")).json()["notes"] == "Shared with the seller"
    async with as_person(world.se) as se:  # the sessions they hold, with their notes
        assert await _seen(se, *all4) == {se_s1["id"]: notes}
    async with as_person(world.m1, "manager") as m1:  # the tree; other coaches' notes hidden
        assert await _seen(m1, *all4) == {m1_s1["id"]: notes, m1_s2["id"]: notes, se_s1["id"]: None}
    async with as_person(world.m2, "manager") as m2:
        assert await _seen(m2, *all4) == {m2_s3["id"]: notes}
    async with as_person(world.leader, "leader") as leader:  # the whole tree below, never private notes
        assert await _seen(leader, *all4) == {s["id"]: None for s in all4}
    async with as_person(world.out) as out:
        assert await _seen(out, *all4) == {}
    for role in ("enablement", "admin"):
        async with as_person(world.out, role) as c:
            assert await _seen(c, *all4) == {s["id"]: notes for s in all4}
    assert await _seen(coaching, *all4) == {s["id"]: notes for s in all4}


async def test_the_tree_is_read_as_of_today(coaching, db, as_person, world):
    """s1 moves from m1 to m2 today: m1 (and who is above only m1) no longer see s1's sessions; m2 does."""
    m1_s1, m1_s2, se_s1, m2_s3 = all4 = await _sessions(world, as_person)
    await db.close_line(world.lines["s1"], today())
    await db.line(world.s1, world.m2, today())
    async with as_person(world.m1, "manager") as m1:
        # m1 still holds m1_s1 as its coach; se_s1 belonged to m1's tree only through s1
        assert await _seen(m1, *all4) == {m1_s1["id"]: "For me only", m1_s2["id"]: "For me only"}
    async with as_person(world.m2, "manager") as m2:
        assert await _seen(m2, *all4) == {m1_s1["id"]: None, se_s1["id"]: None, m2_s3["id"]: "For me only"}
    # a line that starts tomorrow does not count yet
    await db.line(world.out, world.m1, on(1))
    s = await held(coaching, world.enab, world.out)
    async with as_person(world.out) as out:
        assert await _seen(out, s) == {s["id"]: None}
    async with as_person(world.m1, "manager") as m1:
        assert (await m1.get(f"/v1/sessions/{s['id']}")).status_code == 404


async def test_coaching_activity_under_a_manager_is_visible(db, as_person, world):
    """A coach in the tree holding a session with someone outside it: the manager sees it (the coach's
    work), without the private notes."""
    await db.assign(world.s2, world.out, kind="peer")
    async with as_person(world.s2) as s2:
        s = await held(s2, world.s2, world.out)
    async with as_person(world.m1, "manager") as m1:
        assert await _seen(m1, s) == {s["id"]: None}
    async with as_person(world.m2, "manager") as m2:
        assert await _seen(m2, s) == {}


async def test_actions_and_goals_follow_the_sessions(as_person, world):
    m1_s1, m1_s2, se_s1, m2_s3 = await _sessions(world, as_person)
    every = {s["id"] for s in (m1_s1, m1_s2, se_s1, m2_s3)}

    def of(*sessions) -> set[str]:
        return {s["id"] for s in sessions}

    expectations = [
        (world.s1, (), of(m1_s1, se_s1)), (world.se, (), of(se_s1)), (world.m1, ("manager",), of(m1_s1, m1_s2, se_s1)),
        (world.leader, ("leader",), every), (world.out, (), set()), (world.enab, ("enablement",), every),
    ]
    for person, roles, sessions in expectations:
        async with as_person(person, *roles) as c:
            actions = (await c.get("/v1/actions")).json()["items"]
            assert {a["session_id"] for a in actions} == sessions, person
            goals = (await c.get("/v1/goals")).json()["items"]
            assert {g["session_id"] for g in goals} == sessions, person
            for s in (m1_s1, m1_s2, se_s1, m2_s3):
                code = 200 if s["id"] in sessions else 404
                assert (await c.get(f"/v1/actions/{s['actions'][0]['id']}")).status_code == code
                assert (await c.get(f"/v1/goals/{s['goals'][0]['id']}")).status_code == code
                assert (await c.get(f"/v1/sessions/{s['id']}/rating")).status_code == 404  # unrated or hidden


async def test_a_scheduled_session_is_visible_to_both_sides(as_person, world):
    async with as_person(world.se) as se:
        s = await schedule(se, world.se, world.s1)
    for person in (world.se, world.s1, world.m1, world.leader):
        async with as_person(person) as c:
            assert (await c.get(f"/v1/sessions/{s['id']}")).status_code == 200
    async with as_person(world.m2) as c:
        problem(await c.get(f"/v1/sessions/{s['id']}"), 404)
