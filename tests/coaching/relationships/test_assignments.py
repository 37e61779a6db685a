"""Coach assignments: coaching is a role, not a title. Rules, the implicit manager link, who may assign."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.coaching.relationships.helpers import assign, invalid, problem

TODAY = date.min  # set per test by `_dates`


@pytest.fixture(autouse=True)
def _dates() -> None:
    # taken when each test starts, not at import: a suite that runs past midnight UTC would otherwise
    # compare yesterday's dates with the service's today
    global TODAY
    TODAY = datetime.now(UTC).date()



@pytest.fixture
async def team(seed):
    """A manager with two sellers, a sales engineer outside the tree, a leader above the manager."""
    people = {
        "leader": await seed.person("Lea", "leader"),
        "manager": await seed.person("Max", "manager"),
        "other_manager": await seed.person("Olga", "manager"),
        "s1": await seed.person("Sam"),
        "s2": await seed.person("Sue"),
        "se": await seed.person("Sean"),
    }
    await seed.reports_to(people["manager"], people["leader"])
    await seed.reports_to(people["s1"], people["manager"])
    await seed.reports_to(people["s2"], people["manager"])
    return people


async def test_create_get_and_list(coaching, team):
    a = await assign(coaching, team["se"], team["s1"], "sales_engineer", scope=["discovery"],
                     starts_on="2025-01-01", ends_on="2025-06-30")
    assert a | {"id": None, "created_at": None} == {
        "id": None, "created_at": None, "coach_id": team["se"], "seller_id": team["s1"], "kind": "sales_engineer",
        "scope": ["discovery"], "starts_on": "2025-01-01", "ends_on": "2025-06-30"}
    r = await coaching.get(f"/v1/coach-assignments/{a['id']}")
    assert r.status_code == 200 and r.json() == a
    # starts_on defaults to today
    b = await assign(coaching, team["se"], team["s2"])
    assert (b["starts_on"], b["ends_on"], b["scope"]) == (TODAY.isoformat(), None, [])

    async def ids(**params):
        r = await coaching.get("/v1/coach-assignments", params=params)
        assert r.status_code == 200, r.text
        return [x["id"] for x in r.json()["items"]]

    assert await ids() == [a["id"], b["id"]]
    assert await ids(coach_id=team["se"]) == [a["id"], b["id"]]
    assert await ids(seller_id=team["s2"]) == [b["id"]]
    assert await ids(active_on="2025-03-01") == [a["id"]]
    assert await ids(active_on="2025-07-01") == []
    assert await ids(active_on=TODAY.isoformat()) == [b["id"]]
    assert await ids(ids=[b["id"]]) == [b["id"]]
    page = (await coaching.get("/v1/coach-assignments", params={"limit": 1})).json()
    assert [x["id"] for x in page["items"]] == [a["id"]] and page["next_cursor"]
    rest = (await coaching.get("/v1/coach-assignments", params={"limit": 1, "cursor": page["next_cursor"]})).json()
    assert [x["id"] for x in rest["items"]] == [b["id"]] and rest["next_cursor"] is None


async def test_validation(coaching, team, seed, stack):
    base = {"coach_id": team["se"], "seller_id": team["s1"], "kind": "trainer"}
    post = lambda **kw: coaching.post("/v1/coach-assignments", json=base | kw)  # noqa: E731
    invalid(await post(colour="red"), "body.colour", "extra_forbidden")
    invalid(await post(kind="guru"), "body.kind", "literal_error")
    invalid(await post(scope=["demo", "demo"]), "body.scope", "value_error")
    invalid(await post(scope=["Not A Key"]), "body.scope.0", "string_pattern_mismatch")
    invalid(await post(scope=[f"k{i}" for i in range(51)]), "body.scope", "too_long")
    invalid(await post(coach_id="nope"), "body.coach_id", "uuid_parsing")
    invalid(await post(starts_on="2025-02-01", ends_on="2025-01-31"), "body.ends_on", "value_error")
    invalid(await post(coach_id=team["s1"]), "body.coach_id", "self_coaching")
    unknown = "0190a8e0-0000-7000-8000-000000000000"
    invalid(await post(coach_id=unknown), "body.coach_id", "reference")
    body = problem(await post(coach_id=unknown, seller_id=unknown.replace("0000-7", "0001-7")), 422)
    assert {e["field"] for e in body["errors"]} == {"body.coach_id", "body.seller_id"}
    gone = await seed.person("Gone", active=False)
    invalid(await post(seller_id=gone), "body.seller_id", "inactive")
    problem(await coaching.get(f"/v1/coach-assignments/{unknown}"), 404)
    invalid(await coaching.get("/v1/coach-assignments/not-an-id"), "path.assignment_id")
    invalid(await coaching.get("/v1/coach-assignments", params={"active_on": "soon"}), "query.active_on")
    # nothing was written by any of these
    assert (await coaching.get("/v1/coach-assignments")).json()["items"] == []


async def test_overlapping_duplicate_is_409(coaching, team):
    se, s1 = team["se"], team["s1"]
    await assign(coaching, se, s1, scope=["discovery"], starts_on="2025-01-01", ends_on="2025-03-31")
    post = lambda **kw: coaching.post("/v1/coach-assignments",  # noqa: E731
                                      json={"coach_id": se, "seller_id": s1, "kind": "trainer"} | kw)
    # same scope, overlapping period (open-ended, or ending inside)
    body = problem(await post(scope=["discovery"], starts_on="2025-03-31"), 409)
    assert "overlapping" in body["detail"]
    problem(await post(scope=["discovery"], starts_on="2024-01-01", ends_on="2025-01-01"), 409)
    # an empty scope means every behaviour: it overlaps any scope
    problem(await post(scope=[], starts_on="2025-02-01", ends_on="2025-02-02"), 409)
    problem(await post(scope=["negotiation", "discovery"], starts_on="2025-02-01"), 409)
    # a different behaviour, or a period that does not meet, is fine
    await assign(coaching, se, s1, scope=["negotiation"], starts_on="2025-02-01")
    await assign(coaching, se, s1, scope=["discovery"], starts_on="2025-04-01")
    await assign(coaching, se, s1, scope=[], starts_on="2024-01-01", ends_on="2024-12-31")
    # another coach for the same seller and scope is no duplicate
    await assign(coaching, team["manager"], s1, "manager", scope=["discovery"], starts_on="2025-01-01")
    # and overlapping with any of those now conflicts
    problem(await post(scope=["negotiation"], starts_on="2030-01-01"), 409)


async def test_end_an_assignment(coaching, team):
    a = await assign(coaching, team["se"], team["s1"], starts_on="2025-01-01")
    url = f"/v1/coach-assignments/{a['id']}/end"
    invalid(await coaching.post(url, json={"ends_on": "2024-12-31"}), "body.ends_on", "value_error")
    invalid(await coaching.post(url, json={"ends_on": "2025-01-01", "why": "x"}), "body.why", "extra_forbidden")
    r = await coaching.post(url, json={"ends_on": "2025-05-31"})
    assert r.status_code == 200 and r.json()["ends_on"] == "2025-05-31"
    # an end can be brought forward, not pushed back or repeated
    body = problem(await coaching.post(url, json={"ends_on": "2025-06-30"}), 409)
    assert "2025-05-31" in body["detail"]
    problem(await coaching.post(url, json={"ends_on": "2025-05-31"}), 409)
    r = await coaching.post(url, json={"ends_on": "2025-04-30"})
    assert r.json()["ends_on"] == "2025-04-30"
    # without a body it ends today
    b = await assign(coaching, team["se"], team["s2"], starts_on="2025-01-01")
    r = await coaching.post(f"/v1/coach-assignments/{b['id']}/end")
    assert r.status_code == 200 and r.json()["ends_on"] == TODAY.isoformat()
    problem(await coaching.post("/v1/coach-assignments/0190a8e0-0000-7000-8000-000000000000/end"), 404)


async def coaches(c, person, as_of=None):
    r = await c.get(f"/v1/people/{person}/coaches", params={"as_of": as_of} if as_of else {})
    assert r.status_code == 200, r.text
    return {(x["coach_id"], x["kind"], tuple(x["scope"]), x["implicit"]) for x in r.json()}


async def coachees(c, person, as_of=None):
    r = await c.get(f"/v1/people/{person}/coachees", params={"as_of": as_of} if as_of else {})
    assert r.status_code == 200, r.text
    return {(x["seller_id"], x["kind"], tuple(x["scope"]), x["implicit"]) for x in r.json()}


async def test_the_manager_coaches_implicitly(coaching, team, seed):
    m, s1, s2 = team["manager"], team["s1"], team["s2"]
    assert await coaches(coaching, s1) == {(m, "manager", (), True)}
    assert await coachees(coaching, m) == {(s1, "manager", (), True), (s2, "manager", (), True)}
    # the leader is the manager's manager: they coach the manager, not the sellers
    assert await coachees(coaching, team["leader"]) == {(m, "manager", (), True)}
    r = await coaching.get(f"/v1/people/{s1}/coaches")
    assert r.json() == [{"coach_id": m, "seller_id": s1, "kind": "manager", "scope": [], "assignment_id": None,
                         "implicit": True, "as_of": TODAY.isoformat()}]
    # a seller who turned their manager off as coach
    s3 = await seed.person("Tess", manager_is_coach=False)
    await seed.reports_to(s3, m)
    assert await coaches(coaching, s3) == set()
    assert s3 not in {x[0] for x in await coachees(coaching, m)}
    # …still has the coaches assigned explicitly, the manager too if assigned
    await assign(coaching, m, s3, "manager", scope=["discovery"], starts_on="2025-01-01")
    assert await coaches(coaching, s3) == {(m, "manager", ("discovery",), False)}
    # an unscoped assignment of the manager replaces the implicit link (one link, not two)
    a = await assign(coaching, m, s1, "manager", starts_on="2025-01-01")
    r = await coaching.get(f"/v1/people/{s1}/coaches")
    assert [(x["assignment_id"], x["implicit"]) for x in r.json()] == [(a["id"], False)]
    assert [x for x in (await coaching.get(f"/v1/people/{m}/coachees")).json() if x["seller_id"] == s1] == [
        r.json()[0]]


async def test_reorg_moves_the_implicit_link(coaching, seed):
    old, new, s = await seed.person("Old", "manager"), await seed.person("New", "manager"), await seed.person("S")
    await seed.reports_to(s, old, date(2024, 1, 1), date(2025, 3, 1))
    await seed.reports_to(s, new, date(2025, 3, 1))
    assert await coaches(coaching, s, "2023-12-31") == set()
    assert await coaches(coaching, s, "2025-02-28") == {(old, "manager", (), True)}
    assert await coaches(coaching, s, "2025-03-01") == {(new, "manager", (), True)}
    assert await coachees(coaching, old, "2025-02-28") == {(s, "manager", (), True)}
    assert await coachees(coaching, old, "2025-03-01") == set()
    assert await coaches(coaching, s) == {(new, "manager", (), True)}


async def test_scoped_coach_and_expiry(coaching, team):
    se, s1, m = team["se"], team["s1"], team["manager"]
    a = await assign(coaching, se, s1, "sales_engineer", scope=["discovery"], starts_on="2025-01-01",
                     ends_on="2025-03-31")
    assert await coaches(coaching, s1, "2024-12-31") == {(m, "manager", (), True)}
    assert await coaches(coaching, s1, "2025-01-01") == {(m, "manager", (), True),
                                                          (se, "sales_engineer", ("discovery",), False)}
    assert await coaches(coaching, s1, "2025-03-31") == {(m, "manager", (), True),
                                                          (se, "sales_engineer", ("discovery",), False)}
    assert await coaches(coaching, s1, "2025-04-01") == {(m, "manager", (), True)}
    assert await coachees(coaching, se, "2025-02-01") == {(s1, "sales_engineer", ("discovery",), False)}
    assert await coachees(coaching, se, "2025-04-01") == set()
    # ending it earlier expires it earlier
    await coaching.post(f"/v1/coach-assignments/{a['id']}/end", json={"ends_on": "2025-01-31"})
    assert await coachees(coaching, se, "2025-02-01") == set()
    assert await coachees(coaching, se, "2025-01-31") == {(s1, "sales_engineer", ("discovery",), False)}


async def test_batch_reads_for_the_gateway(coaching, team):
    se, s1, s2, m = team["se"], team["s1"], team["s2"], team["manager"]
    await assign(coaching, se, s2, "presales", scope=["demo"], starts_on="2025-01-01")
    r = await coaching.get("/v1/coaches", params={"seller_ids": [s1, s2, s1], "as_of": "2025-02-01"})
    assert r.status_code == 200, r.text
    assert sorted((x["seller_id"], x["coach_id"], x["kind"]) for x in r.json()) == sorted(
        [(s1, m, "manager"), (s2, m, "manager"), (s2, se, "presales")])
    r = await coaching.get("/v1/coachees", params={"coach_ids": [se, m], "as_of": "2025-02-01"})
    assert sorted((x["coach_id"], x["seller_id"]) for x in r.json()) == sorted([(se, s2), (m, s1), (m, s2)])
    # unknown ids give nothing; no ids, too many or malformed ones are 422
    r = await coaching.get("/v1/coaches", params={"seller_ids": ["0190a8e0-0000-7000-8000-000000000000"]})
    assert r.status_code == 200 and r.json() == []
    invalid(await coaching.get("/v1/coaches"), "query.seller_ids", "missing")
    invalid(await coaching.get("/v1/coachees", params={"coach_ids": [m] * 201}), "query.coach_ids", "too_long")
    invalid(await coaching.get("/v1/coaches", params={"seller_ids": ["x"]}), "query.seller_ids.0")
    problem(await coaching.get("/v1/people/0190a8e0-0000-7000-8000-000000000000/coaches"), 404)
    problem(await coaching.get("/v1/people/0190a8e0-0000-7000-8000-000000000000/coachees"), 404)


async def test_who_may_assign(as_person, stack, tenant, team, coaching):
    body = {"coach_id": team["se"], "seller_id": team["s1"], "kind": "sales_engineer", "starts_on": "2025-01-01"}
    # the seller's manager and the manager's manager may; another manager, the seller, the coach may not
    for who, roles in [("other_manager", ("manager",)), ("s1", ("seller",)), ("se", ("seller",)),
                       ("s2", ("seller", "manager"))]:
        async with as_person(team[who], *roles) as c:
            body_ = problem(await c.post("/v1/coach-assignments", json=body), 403)
            assert "manager" in body_["detail"]
    async with as_person(team["manager"], "manager") as c:
        a = (await c.post("/v1/coach-assignments", json=body)).json()
        r = await c.post(f"/v1/coach-assignments/{a['id']}/end", json={"ends_on": "2025-02-01"})
        assert r.status_code == 200
        # reads are open: the manager reads what they made
        assert (await c.get(f"/v1/coach-assignments/{a['id']}")).status_code == 200
    async with as_person(team["leader"], "leader") as c:
        r = await c.post("/v1/coach-assignments", json=body | {"starts_on": "2025-03-01", "kind": "peer"})
        assert r.status_code == 201, r.text
        leaders = r.json()
    async with as_person(team["other_manager"], "manager") as c:
        problem(await c.post(f"/v1/coach-assignments/{leaders['id']}/end"), 403)
        assert (await c.get(f"/v1/people/{team['s1']}/coaches")).status_code == 200
    async with as_person(team["s1"], "seller") as c:
        assert (await c.get(f"/v1/people/{team['s1']}/coaches")).status_code == 200
    # enablement and admin see everything
    for role, period in [("enablement", ("2025-02-10", "2025-02-20")), ("admin", ("2025-02-21", "2025-02-25"))]:
        async with as_person(team["other_manager"], role) as c:
            r = await c.post("/v1/coach-assignments", json=body | {"starts_on": period[0], "ends_on": period[1]})
            assert r.status_code == 201, r.text
    # an API key without the write scope cannot write
    async with stack.client(await stack.key(tenant, "coaching:read")) as c:
        c.base_url = coaching.base_url
        problem(await c.post("/v1/coach-assignments", json=body | {"starts_on": "2031-01-01"}), 403)
        assert (await c.get("/v1/coach-assignments")).status_code == 200


async def test_a_manager_loses_the_right_after_a_reorg(as_person, seed, coaching):
    m, s, se = await seed.person("M", "manager"), await seed.person("S"), await seed.person("SE")
    await seed.reports_to(s, m, date(2024, 1, 1), TODAY - timedelta(days=1))
    async with as_person(m, "manager") as c:
        r = await c.post("/v1/coach-assignments", json={"coach_id": se, "seller_id": s, "kind": "trainer"})
        problem(r, 403)
    await seed.reports_to(s, m, TODAY)
    async with as_person(m, "manager") as c:
        r = await c.post("/v1/coach-assignments", json={"coach_id": se, "seller_id": s, "kind": "trainer"})
        assert r.status_code == 201, r.text


async def test_tenancy(stack, coaching, team):
    a = await assign(coaching, team["se"], team["s1"], starts_on="2025-01-01")
    other = await stack.tenant("other")
    async with stack.client(other.api_key) as c:
        c.base_url = coaching.base_url
        problem(await c.get(f"/v1/coach-assignments/{a['id']}"), 404)
        problem(await c.post(f"/v1/coach-assignments/{a['id']}/end"), 404)
        assert (await c.get("/v1/coach-assignments")).json()["items"] == []
        assert (await c.get("/v1/coach-assignments", params={"ids": [a["id"]]})).json()["items"] == []
        problem(await c.get(f"/v1/people/{team['s1']}/coaches"), 404)
        problem(await c.get(f"/v1/people/{team['manager']}/coachees"), 404)
        assert (await c.get("/v1/coaches", params={"seller_ids": [team["s1"]]})).json() == []
        assert (await c.get("/v1/coachees", params={"coach_ids": [team["manager"]]})).json() == []
        # the first tenant's people are unknown here
        r = await c.post("/v1/coach-assignments",
                         json={"coach_id": team["se"], "seller_id": team["s2"], "kind": "trainer"})
        body = problem(r, 422)
        assert {e["field"] for e in body["errors"]} == {"body.coach_id", "body.seller_id"}
    # the end did not happen
    assert (await coaching.get(f"/v1/coach-assignments/{a['id']}")).json()["ends_on"] is None
