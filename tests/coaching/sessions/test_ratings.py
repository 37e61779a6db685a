"""The seller rates the conversation: only that seller, only a completed session, once (PUT again
changes it), changeable for 7 days after the first rating."""

import uuid
from datetime import datetime, timedelta

from tests.coaching.sessions.helpers import at, held, invalid, problem, schedule

RATING = {"relevant": 5, "developmental": 4, "motivational": 3, "comment": "Useful"}


async def test_the_seller_rates_and_changes_the_rating(coaching, as_person, world):
    async with as_person(world.m1, "manager") as m1:
        s = await held(m1, world.m1, world.s1)
    url = f"/v1/sessions/{s['id']}/rating"
    async with as_person(world.s1) as s1:
        problem(await s1.get(url), 404)  # not rated yet
        r = await s1.put(url, json=RATING)
        assert r.status_code == 201, r.text
        assert r.headers["location"] == f"/api/coaching{url}"
        first = r.json()
        assert {k: first[k] for k in RATING} == RATING
        assert (first["session_id"], first["seller_id"]) == (s["id"], str(world.s1))
        assert datetime.fromisoformat(first["changeable_until"]) - datetime.fromisoformat(
            first["created_at"]) == timedelta(days=7)
        r = await s1.put(url, json={**RATING, "motivational": 5, "comment": ""})
        assert r.status_code == 200, r.text
        second = r.json()
        assert (second["motivational"], second["comment"], second["created_at"]) == (5, "", first["created_at"])
        assert second["updated_at"] >= first["updated_at"]
    # the coach reads it with the session
    async with as_person(world.m1, "manager") as m1:
        assert (await m1.get(url)).json() == second
        assert (await m1.get(f"/v1/sessions/{s['id']}")).json()["rating"] == second
    assert (await coaching.get(url)).json() == second


async def test_only_the_seller_rates(coaching, as_person, world):
    async with as_person(world.m1, "manager") as m1:
        s = await held(m1, world.m1, world.s1)
        url = f"/v1/sessions/{s['id']}/rating"
        problem(await m1.put(url, json=RATING), 403)
    problem(await coaching.put(url, json=RATING), 403)  # an API key cannot speak for the seller
    async with as_person(world.enab, "enablement") as enab:
        problem(await enab.put(url, json=RATING), 403)
    async with as_person(world.s2) as s2:
        problem(await s2.put(url, json=RATING), 404)  # not theirs: hidden
    problem(await coaching.put(f"/v1/sessions/{uuid.uuid4()}/rating", json=RATING), 404)


async def test_only_a_completed_session_is_rated(as_person, world):
    async with as_person(world.m1, "manager") as m1:
        scheduled = await schedule(m1, world.m1, world.s1, scheduled_at=at(-1))
        cancelled = await schedule(m1, world.m1, world.s1)
        await m1.post(f"/v1/sessions/{cancelled['id']}/cancel", json={"reason": "ill"})
    async with as_person(world.s1) as s1:
        for s in (scheduled, cancelled):
            body = problem(await s1.put(f"/v1/sessions/{s['id']}/rating", json=RATING), 409)
            assert "completed" in body["detail"]


async def test_the_rating_freezes_after_seven_days(db, as_person, world):
    async with as_person(world.m1, "manager") as m1:
        s = await held(m1, world.m1, world.s1)
    url = f"/v1/sessions/{s['id']}/rating"
    async with as_person(world.s1) as s1:
        assert (await s1.put(url, json=RATING)).status_code == 201
        await db.age_rating(s["id"], timedelta(days=6, hours=23))
        assert (await s1.put(url, json={**RATING, "relevant": 1})).status_code == 200
        await db.age_rating(s["id"], timedelta(hours=2))
        body = problem(await s1.put(url, json={**RATING, "relevant": 2}), 409)
        assert "7 days" in body["detail"]
        assert (await s1.get(url)).json()["relevant"] == 1


async def test_rating_values_are_checked(as_person, world):
    async with as_person(world.m1, "manager") as m1:
        s = await held(m1, world.m1, world.s1)
    url = f"/v1/sessions/{s['id']}/rating"
    async with as_person(world.s1) as s1:
        for body, field in (({**RATING, "relevant": 0}, "body.relevant"), ({**RATING, "developmental": 6},
                                                                            "body.developmental"),
                            ({"relevant": 3, "developmental": 3}, "body.motivational"),
                            ({**RATING, "comment": "x" * 2001}, "body.comment"),
                            ({**RATING, "stars": 5}, "body.stars")):
            invalid(await s1.put(url, json=body), field)
        problem(await s1.get(url), 404)
