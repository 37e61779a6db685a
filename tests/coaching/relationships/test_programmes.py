"""Programmes: CRUD, pairs (the coach must coach the seller), who may change them, tenancy."""

from datetime import UTC, date, datetime

import pytest

from tests.coaching.relationships.helpers import (
    add_pair,
    assign,
    create_programme,
    invalid,
    problem,
    programme_body,
)

TODAY = date.min  # set per test by `_dates`


@pytest.fixture(autouse=True)
def _dates() -> None:
    # taken when each test starts, not at import: a suite that runs past midnight UTC would otherwise
    # compare yesterday's dates with the service's today
    global TODAY
    TODAY = datetime.now(UTC).date()

UNKNOWN = "0190a8e0-0000-7000-8000-000000000000"


@pytest.fixture
async def org(seed):
    people = {
        "manager": await seed.person("Max", "manager"),
        "other_manager": await seed.person("Olga", "manager"),
        "s1": await seed.person("Sam"),
        "s2": await seed.person("Sue"),
        "s3": await seed.person("Stan"),
        "se": await seed.person("Sean"),
    }
    for s in ("s1", "s2"):
        await seed.reports_to(people[s], people["manager"])
    await seed.reports_to(people["s3"], people["other_manager"])
    return people


async def test_crud(coaching, org):
    p = await create_programme(coaching, objective_id=UNKNOWN, owner_id=org["manager"], ends_on="2025-06-30")
    assert p | {"id": None, "created_at": None, "updated_at": None} == {
        "id": None, "created_at": None, "updated_at": None, "name": "Discovery first", "objective_id": UNKNOWN,
        "behavior_keys": ["discovery"], "owner_id": org["manager"], "cadence_days": 7, "starts_on": "2025-01-06",
        "ends_on": "2025-06-30", "pairs": [], "coach_ids": [], "participant_ids": []}
    assert (await coaching.get(f"/v1/programmes/{p['id']}")).json() == p
    # an API key may create a programme without an owner
    q = await create_programme(coaching, name="Negotiation", behavior_keys=["negotiation", "pricing"],
                               starts_on="2025-09-01", cadence_days=14)
    assert q["owner_id"] is None

    r = await coaching.patch(f"/v1/programmes/{p['id']}", json={"name": "Discovery, first", "cadence_days": 14,
                                                                "ends_on": None, "owner_id": None})
    assert r.status_code == 200, r.text
    changed = r.json()
    assert (changed["name"], changed["cadence_days"], changed["ends_on"], changed["owner_id"]) == (
        "Discovery, first", 14, None, None)
    assert changed["updated_at"] > p["updated_at"]
    assert (await coaching.get(f"/v1/programmes/{p['id']}")).json() == changed

    async def ids(**params):
        r = await coaching.get("/v1/programmes", params=params)
        assert r.status_code == 200, r.text
        return [x["id"] for x in r.json()["items"]]

    assert await ids() == [p["id"], q["id"]]
    assert await ids(active_on="2025-03-01") == [p["id"]]
    assert await ids(active_on="2025-10-01") == [p["id"], q["id"]]
    assert await ids(ids=[q["id"]]) == [q["id"]]
    await coaching.patch(f"/v1/programmes/{q['id']}", json={"owner_id": org["other_manager"]})
    assert await ids(owner_id=org["other_manager"]) == [q["id"]]
    await add_pair(coaching, q["id"], org["se"], org["s1"], "2025-09-01")
    assert await ids(coach_id=org["se"]) == [q["id"]]
    assert await ids(seller_id=org["s1"]) == [q["id"]]
    assert await ids(seller_id=org["s2"]) == []
    page = (await coaching.get("/v1/programmes", params={"limit": 1})).json()
    assert [x["id"] for x in page["items"]] == [p["id"]] and page["next_cursor"]
    page = (await coaching.get("/v1/programmes", params={"limit": 1, "cursor": page["next_cursor"]})).json()
    assert [x["id"] for x in page["items"]] == [q["id"]] and len(page["items"][0]["pairs"]) == 1

    assert (await coaching.delete(f"/v1/programmes/{q['id']}")).status_code == 204
    problem(await coaching.get(f"/v1/programmes/{q['id']}"), 404)
    problem(await coaching.delete(f"/v1/programmes/{q['id']}"), 404)
    assert await ids() == [p["id"]]


async def test_validation(coaching, org):
    post = lambda **kw: coaching.post("/v1/programmes", json=programme_body(**kw))  # noqa: E731
    invalid(await post(colour="red"), "body.colour", "extra_forbidden")
    invalid(await post(behavior_keys=[]), "body.behavior_keys", "too_short")
    invalid(await post(behavior_keys=["demo", "demo"]), "body.behavior_keys", "value_error")
    invalid(await post(cadence_days=0), "body.cadence_days", "greater_than_equal")
    invalid(await post(cadence_days=366), "body.cadence_days", "less_than_equal")
    invalid(await post(name=" "), "body.name", "string_too_short")
    invalid(await post(name="x" * 201), "body.name", "string_too_long")
    invalid(await post(starts_on=None), "body.starts_on")
    problem(await post(ends_on="2025-01-05"), 422)
    invalid(await post(owner_id=UNKNOWN), "body.owner_id", "reference")
    invalid(await post(objective_id="objective-1"), "body.objective_id", "uuid_parsing")
    assert (await coaching.get("/v1/programmes")).json()["items"] == []

    p = await create_programme(coaching)
    url = f"/v1/programmes/{p['id']}"
    invalid(await coaching.patch(url, json={"name": None}), "body.name", "not_null")
    invalid(await coaching.patch(url, json={"cadence_days": None}), "body.cadence_days", "not_null")
    invalid(await coaching.patch(url, json={"behavior_keys": []}), "body.behavior_keys", "too_short")
    invalid(await coaching.patch(url, json={"ends_on": "2025-01-01"}), "body.ends_on", "value_error")
    invalid(await coaching.patch(url, json={"owner_id": UNKNOWN}), "body.owner_id", "reference")
    invalid(await coaching.patch(url, json={"pairs": []}), "body.pairs", "extra_forbidden")
    problem(await coaching.patch(f"/v1/programmes/{UNKNOWN}", json={}), 404)
    assert (await coaching.get(url)).json() == p


async def test_pairs(coaching, org):
    p = await create_programme(coaching, ends_on="2025-12-31")
    pid = p["id"]
    a = await add_pair(coaching, pid, org["manager"], org["s1"])
    assert a | {"id": None} == {"id": None, "programme_id": pid, "coach_id": org["manager"], "seller_id": org["s1"],
                                "joined_on": "2025-01-06", "left_on": None}
    assert (await coaching.get(f"/v1/programmes/{pid}/pairs/{a['id']}")).json() == a
    b = await add_pair(coaching, pid, org["se"], org["s2"], "2025-02-01")
    c = await add_pair(coaching, pid, org["manager"], org["s2"], "2025-02-01")
    got = (await coaching.get(f"/v1/programmes/{pid}")).json()
    assert got["pairs"] == [a, b, c]
    assert got["coach_ids"] == [org["manager"], org["se"]]
    assert got["participant_ids"] == [org["s1"], org["s2"]]
    assert (await coaching.get(f"/v1/programmes/{pid}/pairs")).json() == [a, b, c]

    pairs = f"/v1/programmes/{pid}/pairs"
    body = problem(await coaching.post(pairs, json={"coach_id": org["se"], "seller_id": org["s2"]}), 409)
    assert "already" in body["detail"]
    invalid(await coaching.post(pairs, json={"coach_id": org["s1"], "seller_id": org["s1"]}), "body.coach_id",
            "self_coaching")
    invalid(await coaching.post(pairs, json={"coach_id": org["se"], "seller_id": UNKNOWN}), "body.seller_id",
            "reference")
    for day in ("2025-01-05", "2026-01-01"):
        invalid(await coaching.post(pairs, json={"coach_id": org["se"], "seller_id": org["s3"], "joined_on": day}),
                "body.joined_on", "out_of_period")
    invalid(await coaching.post(pairs, json={"coach_id": org["se"], "seller_id": org["s3"], "role": "x"}),
            "body.role", "extra_forbidden")
    problem(await coaching.post(f"/v1/programmes/{UNKNOWN}/pairs",
                                json={"coach_id": org["se"], "seller_id": org["s3"]}), 404)

    # removing: the pair leaves on a day and stays as history
    r = await coaching.delete(f"{pairs}/{b['id']}", params={"left_on": "2025-03-01"})
    assert r.status_code == 204, r.text
    got = (await coaching.get(f"/v1/programmes/{pid}")).json()
    assert [x["left_on"] for x in got["pairs"]] == [None, "2025-03-01", None]
    assert got["coach_ids"] == [org["manager"]]
    assert got["participant_ids"] == [org["s1"], org["s2"]]
    problem(await coaching.delete(f"{pairs}/{b['id']}"), 409)
    # …a pair that leaves the day it joined never took part: it is gone
    invalid(await coaching.delete(f"{pairs}/{c['id']}", params={"left_on": "2025-01-31"}), "query.left_on")
    assert (await coaching.delete(f"{pairs}/{c['id']}", params={"left_on": "2025-02-01"})).status_code == 204
    problem(await coaching.get(f"{pairs}/{c['id']}"), 404)
    assert [x["id"] for x in (await coaching.get(pairs)).json()] == [a["id"], b["id"]]
    # a pair that left cannot join again (its history would be rewritten)
    problem(await coaching.post(pairs, json={"coach_id": org["se"], "seller_id": org["s2"]}), 409)
    # without a date, the pair leaves today
    assert (await coaching.delete(f"{pairs}/{a['id']}")).status_code == 204
    assert (await coaching.get(f"{pairs}/{a['id']}")).json()["left_on"] == TODAY.isoformat()
    # a pair of another programme is not found under this one
    other = await create_programme(coaching, name="Other")
    problem(await coaching.get(f"/v1/programmes/{other['id']}/pairs/{b['id']}"), 404)
    problem(await coaching.delete(f"/v1/programmes/{other['id']}/pairs/{b['id']}"), 404)


async def test_the_coach_must_coach_the_seller(as_person, coaching, org):
    """Unless the caller sees everything, a pair needs a coach who coaches the seller on the programme's
    behaviours on the day the pair joins: the manager implicitly, others by assignment."""
    m, se, s1, s2, s3 = org["manager"], org["se"], org["s1"], org["s2"], org["s3"]
    await assign(coaching, se, s1, "sales_engineer", scope=["discovery"], starts_on="2025-02-01")
    async with as_person(m, "manager") as c:
        p = await create_programme(c)
        q = await create_programme(c, name="Two behaviours", behavior_keys=["discovery", "negotiation"])
        assert p["owner_id"] == m
        # the manager coaches their own sellers, on anything
        await add_pair(c, p["id"], m, s1)
        await add_pair(c, q["id"], m, s2)
        # the scoped sales engineer coaches s1 on discovery only, and only from February
        err = invalid(await c.post(f"/v1/programmes/{p['id']}/pairs",
                                   json={"coach_id": se, "seller_id": s1, "joined_on": "2025-01-31"}),
                      "body.coach_id", "not_coach")
        assert "discovery" in err["message"]
        await add_pair(c, p["id"], se, s1, "2025-02-01")
        invalid(await c.post(f"/v1/programmes/{q['id']}/pairs",
                             json={"coach_id": se, "seller_id": s1, "joined_on": "2025-02-01"}),
                "body.coach_id", "not_coach")
        # nobody coaches s2 but the manager; s3 belongs to another manager
        invalid(await c.post(f"/v1/programmes/{p['id']}/pairs", json={"coach_id": se, "seller_id": s2}),
                "body.coach_id", "not_coach")
        invalid(await c.post(f"/v1/programmes/{p['id']}/pairs", json={"coach_id": m, "seller_id": s3}),
                "body.coach_id", "not_coach")
        # widening the behaviours of p would leave the scoped engineer out of their depth
        body = problem(await c.patch(f"/v1/programmes/{p['id']}", json={"behavior_keys": ["negotiation"]}), 409)
        assert "negotiation" in body["detail"]
        r = await c.patch(f"/v1/programmes/{p['id']}", json={"behavior_keys": ["discovery", "demo"]})
        problem(r, 409)
    # who sees everything may pair anyone and change anything
    await add_pair(coaching, p["id"], se, s2)
    r = await coaching.patch(f"/v1/programmes/{p['id']}", json={"behavior_keys": ["negotiation"]})
    assert r.status_code == 200 and r.json()["behavior_keys"] == ["negotiation"]


async def test_who_may_change_a_programme(as_person, coaching, org, seed):
    m, other = org["manager"], org["other_manager"]
    async with as_person(org["s1"], "seller") as c:
        problem(await c.post("/v1/programmes", json=programme_body()), 403)
        assert (await c.get("/v1/programmes")).status_code == 200
    async with as_person(m, "manager") as c:
        problem(await c.post("/v1/programmes", json=programme_body(owner_id=other)), 403)
        p = await create_programme(c)
        pair = await add_pair(c, p["id"], m, org["s1"])
    leader = await seed.person("Lea", "leader")
    async with as_person(leader, "leader") as c:
        assert (await create_programme(c, owner_id=leader))["owner_id"] == leader
    url = f"/v1/programmes/{p['id']}"
    async with as_person(other, "manager") as c:
        assert (await c.get(url)).status_code == 200
        problem(await c.patch(url, json={"name": "Mine now"}), 403)
        problem(await c.delete(url), 403)
        problem(await c.post(f"{url}/pairs", json={"coach_id": other, "seller_id": org["s3"]}), 403)
        problem(await c.delete(f"{url}/pairs/{pair['id']}"), 403)
    async with as_person(org["s1"], "seller") as c:
        problem(await c.patch(url, json={"name": "Mine now"}), 403)
    # the owner hands the programme over; then the new owner may change it and the old one not
    async with as_person(m, "manager") as c:
        r = await c.patch(url, json={"owner_id": other})
        assert r.status_code == 200, r.text
        problem(await c.patch(url, json={"name": "Back"}), 403)
    async with as_person(other, "manager") as c:
        assert (await c.patch(url, json={"name": "Olga's"})).json()["name"] == "Olga's"
    async with as_person(org["se"], "enablement") as c:
        assert (await c.patch(url, json={"cadence_days": 10})).json()["cadence_days"] == 10
        assert (await c.delete(f"{url}/pairs/{pair['id']}", params={"left_on": "2025-02-01"})).status_code == 204
        assert (await c.delete(url)).status_code == 204


async def test_period_changes_and_deletes_keep_history(coaching, org, seed):
    p = await create_programme(coaching)
    await add_pair(coaching, p["id"], org["manager"], org["s1"], "2025-02-01")
    url = f"/v1/programmes/{p['id']}"
    body = problem(await coaching.patch(url, json={"starts_on": "2025-02-02"}), 409)
    assert "2025-02-01" in body["detail"]
    problem(await coaching.patch(url, json={"ends_on": "2025-01-31"}), 409)
    assert (await coaching.patch(url, json={"starts_on": "2025-02-01", "ends_on": "2025-02-01"})).status_code == 200
    # a programme with sessions is ended, not deleted
    await seed.session(org["manager"], org["s1"], date(2025, 2, 1), programme_id=p["id"])
    body = problem(await coaching.delete(url), 409)
    assert "session" in body["detail"]
    assert (await coaching.get(url)).status_code == 200


async def test_tenancy(stack, coaching, org):
    p = await create_programme(coaching)
    pair = await add_pair(coaching, p["id"], org["manager"], org["s1"])
    other = await stack.tenant("other")
    url = f"/v1/programmes/{p['id']}"
    async with stack.client(other.api_key) as c:
        c.base_url = coaching.base_url
        for r in [await c.get(url), await c.patch(url, json={"name": "x"}), await c.delete(url),
                  await c.get(f"{url}/pairs"), await c.get(f"{url}/pairs/{pair['id']}"),
                  await c.delete(f"{url}/pairs/{pair['id']}"), await c.get(f"{url}/health"),
                  await c.post(f"{url}/pairs", json={"coach_id": org["se"], "seller_id": org["s2"]})]:
            problem(r, 404)
        assert (await c.get("/v1/programmes")).json()["items"] == []
        assert (await c.get("/v1/programmes", params={"ids": [p["id"]]})).json()["items"] == []
        assert (await c.get("/v1/programme-health", params={"programme_ids": [p["id"]]})).json() == []
        # the first tenant's people are unknown here
        invalid(await c.post("/v1/programmes", json=programme_body(owner_id=org["manager"])), "body.owner_id",
                "reference")
        mine = await create_programme(c)
        r = await c.post(f"/v1/programmes/{mine['id']}/pairs", json={"coach_id": org["se"], "seller_id": org["s2"]})
        assert {e["field"] for e in problem(r, 422)["errors"]} == {"body.coach_id", "body.seller_id"}
    assert (await coaching.get(url)).json()["pairs"] == [pair]
