"""Session lists: filters, keyset pagination, batch reads by id (what the gateway's loaders call)."""

import uuid

from tests.coaching.sessions.helpers import at, held, ids, invalid, schedule


async def test_filters(coaching, db, world):
    prog = await db.programme([(world.m1, world.s1)])
    a = await schedule(coaching, world.m1, world.s1, scheduled_at=at(2), programme_id=str(prog))
    b = await schedule(coaching, world.m1, world.s2, scheduled_at=at(5))
    c = await held(coaching, world.m2, world.s3)  # scheduled yesterday
    d = await schedule(coaching, world.se, world.s1, scheduled_at=at(9))
    await coaching.post(f"/v1/sessions/{d['id']}/cancel", json={"reason": "moved"})

    async def query(**params) -> set[str]:
        r = await coaching.get("/v1/sessions", params=params)
        assert r.status_code == 200, r.text
        return ids(r.json())

    assert await query(seller_id=str(world.s1)) == {a["id"], d["id"]}
    assert await query(seller_id=[str(world.s1), str(world.s3)]) == {a["id"], c["id"], d["id"]}
    assert await query(coach_id=str(world.m1)) == {a["id"], b["id"]}
    assert await query(programme_id=str(prog)) == {a["id"]}
    assert await query(status="completed") == {c["id"]}
    assert await query(status="cancelled") == {d["id"]}
    assert await query(status="scheduled", coach_id=str(world.m1), seller_id=str(world.s2)) == {b["id"]}
    assert await query(**{"from": at(2)}) == {a["id"], b["id"], d["id"]}  # inclusive
    assert await query(**{"from": at(0), "to": at(5)}) == {a["id"]}  # exclusive
    assert await query(**{"to": at(0)}) == {c["id"]}
    assert await query(ids=[a["id"], c["id"], str(uuid.uuid4())]) == {a["id"], c["id"]}
    invalid(await coaching.get("/v1/sessions", params={"status": "done"}), "query.status")
    invalid(await coaching.get("/v1/sessions", params={"from": "2026-01-01T00:00:00"}), "query.from")
    invalid(await coaching.get("/v1/sessions", params={"seller_id": "nope"}), "query.seller_id.0")
    invalid(await coaching.get("/v1/sessions", params={"ids": [str(uuid.uuid4())] * 201}), "query.ids")
    invalid(await coaching.get("/v1/sessions", params={"limit": 0}), "query.limit")
    invalid(await coaching.get("/v1/sessions", params={"cursor": "!!"}), "query.cursor")


async def test_pages_follow_the_ids(coaching, world):
    made = [(await schedule(coaching, world.m1, world.s1, scheduled_at=at(i + 1)))["id"] for i in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await coaching.get("/v1/sessions", params=params)).json()
        seen += [s["id"] for s in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert (seen, pages) == (sorted(made), 3)
    page = (await coaching.get("/v1/sessions", params={"limit": 5})).json()
    assert len(page["items"]) == 5 and page["next_cursor"] is None


async def test_list_items_carry_their_parts(coaching, world):
    done = await held(coaching, world.m1, world.s1)
    [item] = (await coaching.get("/v1/sessions", params={"status": "completed"})).json()["items"]
    assert item == done
    assert item["observations"] and item["gaps"] and item["actions"] and item["goals"]
