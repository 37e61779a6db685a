"""Series and evidence over REST: every grain against the brute force, a team across a mid-week reorg,
batches, who may see what, and each bad input."""

import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from common.auth import issue_person_token
from tests.conftest import JWT_SECRET, Stack, Tenant
from tests.metrics.brute import Evidence, Item, figure, periods, team_on
from tests.metrics.conftest import BASE

TYPES = ["call", "meeting", "proposal", "opportunity_won", "opportunity_lost", "email"]
REORG = date(2026, 3, 18)  # a Wednesday


@dataclass
class World:
    m: str  # manager of a, b — and of c after the reorg
    n: str  # c's manager before the reorg
    a: str
    b: str
    c: str
    x: str  # nobody's report
    lines: list[Item]
    truth: Evidence


@pytest.fixture
async def world(metrics: httpx.AsyncClient) -> World:
    m, n, a, b, c, x = (str(uuid.uuid4()) for _ in range(6))
    people = [{"id": p, "version": 1, "name": name, "roles": ["manager" if name in "MN" else "seller"]}
              for p, name in ((m, "M"), (n, "N"), (a, "A"), (b, "B"), (c, "C"), (x, "X"))]
    assert (await metrics.put("/v1/internal/people", json={"items": people})).status_code == 200
    lines = [
        {"id": str(uuid.uuid4()), "version": 1, "person_id": a, "manager_id": m, "valid_from": "2025-01-01"},
        {"id": str(uuid.uuid4()), "version": 1, "person_id": b, "manager_id": m, "valid_from": "2025-01-01"},
        {"id": str(uuid.uuid4()), "version": 1, "person_id": c, "manager_id": n, "valid_from": "2025-01-01",
         "valid_to": REORG.isoformat()},
        {"id": str(uuid.uuid4()), "version": 1, "person_id": c, "manager_id": m, "valid_from": REORG.isoformat()},
    ]
    assert (await metrics.put("/v1/internal/reporting-lines", json={"items": lines})).status_code == 200
    rnd = random.Random(3)
    items = []
    for i in range(400):
        at = datetime(2026, 2, 20, tzinfo=UTC) + timedelta(minutes=rnd.randrange(0, 60 * 24 * 60))
        item: Item = {"external_id": f"e{i}", "source": "salesforce", "type": rnd.choice(TYPES),
                      "person_id": rnd.choice([a, b, c, x]), "occurred_at": at.isoformat(),
                      "attributes": {"contact_level": rnd.choice(["c_level", "vp"])},
                      "source_updated_at": at.isoformat()}
        if item["type"] == "opportunity_won":
            item["amount"] = round(rnd.uniform(100, 1000), 2)
        items.append(item)
    assert (await metrics.post("/v1/activities", json={"items": items})).json()["created"] == 400
    truth = Evidence()
    truth.accept(items)
    return World(m, n, a, b, c, x, lines, truth)


async def get_series(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    r = await client.get("/v1/series", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


def check(body: dict[str, Any], daily: Any, metric: str, grain: str, first: date, last: date,
          members: Any) -> None:
    spans = periods(grain, first, last)
    assert body["starts"] == [s.isoformat() for s, _ in spans]
    for i, (start, end) in enumerate(spans):
        value, num, den = figure(daily, metric, members(start), start, end)
        assert body["values"][i] == pytest.approx(value), (metric, grain, start)
        assert body["numerators"][i] == pytest.approx(num)
        assert body["denominators"][i] == pytest.approx(den)


@pytest.mark.parametrize("grain", ["day", "week", "month"])
@pytest.mark.parametrize("metric", ["calls", "c_level_meetings", "win_rate", "avg_deal_size", "won_amount"])
async def test_person_and_team_series_equal_the_brute_force(metrics: httpx.AsyncClient, world: World, grain: str,
                                                           metric: str) -> None:
    daily = world.truth.daily()
    first, last = date(2026, 2, 25), date(2026, 4, 10)
    body = await get_series(metrics, metric=metric, grain=grain, person_id=world.c, **{"from": first, "to": last})
    assert (body["metric"], body["grain"], body["person_id"], body["team_of"]) == (metric, grain, world.c, None)
    check(body, daily, metric, grain, first, last, lambda _: {world.c})

    team = await get_series(metrics, metric=metric, grain=grain, team_of=world.m, **{"from": first, "to": last})
    check(team, daily, metric, grain, first, last, lambda start: team_on(world.lines, world.m, start))
    assert team["members"] == [len(team_on(world.lines, world.m, s)) for s, _ in periods(grain, first, last)]
    before = await get_series(metrics, metric=metric, grain=grain, team_of=world.n, **{"from": first, "to": last})
    check(before, daily, metric, grain, first, last, lambda start: team_on(world.lines, world.n, start))


async def test_the_reorg_counts_from_the_first_period_that_starts_after_it(metrics: httpx.AsyncClient,
                                                                          world: World) -> None:
    window = {"from": "2026-03-16", "to": "2026-03-22"}
    week = await get_series(metrics, metric="calls", grain="week", team_of=world.m, **window)
    days = await get_series(metrics, metric="calls", grain="day", team_of=world.m, **window)
    assert week["members"] == [2]  # the week starts on the Monday, before c moved
    assert days["members"] == [2, 2, 3, 3, 3, 3, 3]
    assert (await get_series(metrics, metric="calls", grain="week", team_of=world.n, **window))["members"] == [1]


async def test_a_batch_gives_one_series_per_person_in_order(metrics: httpx.AsyncClient, world: World) -> None:
    window = {"from": "2026-03-01", "to": "2026-03-31"}
    ghost = str(uuid.uuid4())
    body = await get_series(metrics, metric="win_rate", grain="month",
                            person_ids=[world.b, world.a, ghost, world.b], **window)
    assert [s["person_id"] for s in body["items"]] == [world.b, world.a, ghost]
    single = await get_series(metrics, metric="win_rate", grain="month", person_id=world.a, **window)
    assert body["items"][1] == single
    assert body["items"][2]["values"] == [None] and body["items"][2]["numerators"] == [0.0]
    calls = await get_series(metrics, metric="calls", grain="month", person_ids=[ghost], **window)
    assert calls["items"][0]["values"] == [0.0] and calls["items"][0]["denominators"] == [None]


@pytest.mark.parametrize(("params", "field"), [
    ({"metric": "nope"}, "query.metric"),
    ({"from": "2026-03-02", "to": "2026-03-01"}, "query.to"),
    ({"grain": "day", "from": "2025-01-01", "to": "2026-02-05"}, "query.from"),
    ({"grain": "week", "from": "2020-01-01", "to": "2025-01-01"}, "query.from"),
    ({"grain": "month", "from": "2010-01-01", "to": "2020-02-01"}, "query.from"),
    ({"grain": "year"}, "query.grain"),
    ({"from": "yesterday"}, "query.from"),
    ({"from": None}, "query.from"),
    ({"person_id": None}, "query.person_id"),
    ({"team_of": "X"}, "query.person_id"),
    ({"person_ids": "X"}, "query.person_id"),
    ({"person_id": "not-a-uuid"}, "query.person_id"),
    ({"person_ids": [str(uuid.uuid4()) for _ in range(201)], "person_id": None}, "query.person_ids"),
])
async def test_bad_series_requests_are_422(metrics: httpx.AsyncClient, world: World, params: dict[str, Any],
                                           field: str) -> None:
    query = {"metric": "calls", "grain": "day", "from": "2026-03-01", "to": "2026-03-31", "person_id": world.a}
    for key, value in params.items():
        if value == "X":
            query[key] = world.a
        elif value is None:
            query.pop(key)
        else:
            query[key] = value
    r = await metrics.get("/v1/series", params=query)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert field in {e["field"] for e in r.json()["errors"]}


async def test_the_longest_windows_are_accepted(metrics: httpx.AsyncClient, world: World) -> None:
    for grain, first, last, n in (("day", "2025-03-01", "2026-04-04", 400), ("week", "2021-04-05", "2026-03-29", 260),
                                  ("month", "2016-05-01", "2026-04-30", 120)):
        body = await get_series(metrics, metric="calls", grain=grain, team_of=world.m, **{"from": first, "to": last})
        assert len(body["starts"]) == len(body["values"]) == n


async def test_an_unknown_manager_is_404(metrics: httpx.AsyncClient, world: World) -> None:
    r = await metrics.get("/v1/series", params={"metric": "calls", "team_of": str(uuid.uuid4()),
                                                "from": "2026-03-01", "to": "2026-03-02"})
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


@pytest.fixture
def as_person(stack: Stack, tenant: Tenant) -> Any:
    def make(person_id: str, *roles: str) -> httpx.AsyncClient:
        token = issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=uuid.UUID(person_id), roles=list(roles))
        client = stack.client(token)
        client.base_url = httpx.URL(BASE)
        return client

    return make


async def _status(client: httpx.AsyncClient, path: str = "/v1/series", **params: Any) -> int:
    base = {"metric": "calls", "from": "2026-03-01", "to": "2026-03-31"}
    return (await client.get(path, params={**base, **params})).status_code


async def test_who_sees_what(stack: Stack, tenant: Tenant, world: World, as_person: Any) -> None:
    async with as_person(world.a, "seller") as seller:
        assert await _status(seller, person_id=world.a) == 200
        assert await _status(seller, person_id=world.b) == 403
        assert await _status(seller, person_ids=[world.a, world.b]) == 200  # b is left out of a batch
        assert await _status(seller, team_of=world.m) == 403
        assert await _status(seller, "/v1/evidence", person_id=world.a) == 200
        assert await _status(seller, "/v1/evidence", person_id=world.b) == 403
    async with as_person(world.m, "manager") as manager:
        for p in (world.m, world.a, world.b, world.c):  # c is in m's tree today (since the reorg)
            assert await _status(manager, person_id=p) == 200
        assert await _status(manager, person_id=world.x) == 403
        assert await _status(manager, team_of=world.m) == 200
        assert await _status(manager, team_of=world.n) == 403
        assert await _status(manager, person_ids=[world.a, world.c]) == 200
        assert await _status(manager, "/v1/evidence", person_id=world.c) == 200
    async with as_person(world.n, "manager") as former:  # c left n's tree at the reorg
        assert await _status(former, person_id=world.c) == 403
    async with as_person(world.x, "enablement") as enablement:
        assert await _status(enablement, person_id=world.c) == 200
        assert await _status(enablement, team_of=world.n) == 200
    reader = await stack.key(tenant, "metrics:read")
    async with stack.client(reader) as key:
        key.base_url = httpx.URL(BASE)
        assert await _status(key, team_of=world.m) == 200
    other = await stack.tenant("globex")
    async with stack.client(other.api_key) as stranger:
        stranger.base_url = httpx.URL(BASE)
        assert await _status(stranger, team_of=world.m) == 404  # another tenant's directory
        body = (await stranger.get("/v1/series", params={"metric": "calls", "person_id": world.a,
                                                         "from": "2026-02-01", "to": "2026-04-30",
                                                         "grain": "month"})).json()
        assert body["values"] == [0.0, 0.0, 0.0]


async def evidence_pages(client: httpx.AsyncClient, limit: int, **params: Any) -> AsyncIterator[dict[str, Any]]:
    cursor = None
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        r = await client.get("/v1/evidence", params=query)
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["items"]) <= limit
        yield body
        cursor = body["next_cursor"]
        if cursor is None:
            return


async def test_evidence_lists_exactly_the_events_behind_a_value(metrics: httpx.AsyncClient, world: World) -> None:
    first, last = date(2026, 3, 3), date(2026, 3, 29)
    window = {"from": first.isoformat(), "to": last.isoformat()}
    for metric, parts in (("c_level_meetings", {"c_level_meetings"}), ("win_rate", {"wins", "closed_opportunities"}),
                          ("avg_deal_size", {"avg_deal_size"})):
        listed: list[dict[str, Any]] = []
        async for page in evidence_pages(metrics, 7, metric=metric, person_id=world.a, **window):
            listed += page["items"]
        ids = [e["id"] for e in listed]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)

        def counts(item: Item, metric: str = metric) -> bool:
            kind = item["type"]
            if metric == "c_level_meetings":
                return kind == "meeting" and item["attributes"]["contact_level"] == "c_level"
            if metric == "win_rate":
                return kind in ("opportunity_won", "opportunity_lost")
            return kind == "opportunity_won" and item.get("amount") is not None

        expected = {i["external_id"] for i in world.truth.activities.values()
                    if i["person_id"] == world.a and counts(i)
                    and first <= datetime.fromisoformat(i["occurred_at"]).date() <= last}
        assert {e["external_id"] for e in listed} == expected and expected
        assert all(set(e["counts_in"]) <= parts and e["counts_in"] for e in listed)
        series = await get_series(metrics, metric=metric, grain="day", person_id=world.a, **window)
        if metric == "win_rate":
            assert sum(series["denominators"]) == len(listed)
            assert sum(series["numerators"]) == sum("wins" in e["counts_in"] for e in listed)
        elif metric == "avg_deal_size":
            assert sum(series["numerators"]) == pytest.approx(sum(e["amount"] for e in listed))
        else:
            assert sum(series["values"]) == len(listed)
    sample = listed[0]
    assert set(sample) == {"id", "kind", "source", "external_id", "type", "occurred_at", "amount", "attributes",
                           "counts_in"}


async def test_evidence_of_completions(metrics: httpx.AsyncClient, world: World) -> None:
    items = [{"external_id": f"c{i}", "lms": "docebo", "person_id": world.b, "course_id": "neg-1",
              "course_title": "Negotiation", "status": status, "score": 0.5 + i / 10,
              "completed_at": f"2026-03-1{i}T12:00:00Z"} for i, status in enumerate(["passed", "failed", "completed"])]
    assert (await metrics.post("/v1/completions", json={"items": items})).status_code == 200
    body = (await metrics.get("/v1/evidence", params={"metric": "training_completions", "person_id": world.b,
                                                      "from": "2026-03-01", "to": "2026-03-31"})).json()
    assert [(e["kind"], e["external_id"], e["type"]) for e in body["items"]] == [
        ("completion", "c0", "passed"), ("completion", "c2", "completed")]
    assert body["items"][0]["attributes"] == {"course_id": "neg-1", "course_title": "Negotiation"}
    assert body["items"][0]["amount"] == 0.5 and body["next_cursor"] is None


@pytest.mark.parametrize(("params", "field"), [
    ({"metric": "nope"}, "query.metric"),
    ({"from": "2026-04-01"}, "query.to"),
    ({"person_id": None}, "query.person_id"),
    ({"cursor": "!!!"}, "query.cursor"),
    ({"limit": 0}, "query.limit"),
    ({"limit": 201}, "query.limit"),
])
async def test_bad_evidence_requests_are_422(metrics: httpx.AsyncClient, world: World, params: dict[str, Any],
                                             field: str) -> None:
    query: dict[str, Any] = {"metric": "calls", "person_id": world.a, "from": "2026-03-01", "to": "2026-03-31"}
    for key, value in params.items():
        if value is None:
            query.pop(key)
        else:
            query[key] = value
    r = await metrics.get("/v1/evidence", params=query)
    assert r.status_code == 422, r.text
    assert field in {e["field"] for e in r.json()["errors"]}
