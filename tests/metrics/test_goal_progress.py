"""Goal progress against a brute-force recount from the raw generated activities (the org and events of
test_scorecards), for random goals, periods, review days and `on`; and who sees which goals."""

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from common.auth import issue_person_token
from services.metrics.periods import Period, period_of, scaled_target
from tests.conftest import JWT_SECRET, Stack, Tenant
from tests.metrics import test_scorecards as sc

KINDS = {"meetings": ("meeting",), "calls": ("call",), "emails": ("email",)}


@pytest.fixture(autouse=True)
def _dates() -> None:
    sc.set_dates()


def goal_item(seller: uuid.UUID, coach: uuid.UUID, metric: str, kind: str, target: float, period: str,
              review_on: date, first_agreed: date, revision: int = 1) -> dict[str, Any]:
    first = datetime.combine(first_agreed, time(9), tzinfo=UTC)
    return {"id": str(uuid.uuid4()), "version": revision, "coach_id": str(coach), "seller_id": str(seller),
            "metric_key": metric, "kind": kind, "target": target, "period": period,
            "review_on": review_on.isoformat(), "agreed_at": (first + timedelta(days=revision - 1)).isoformat(),
            "first_agreed_at": first.isoformat()}


# ---- the brute force ---------------------------------------------------------------------------

def value(org: sc.Org, seller: uuid.UUID, metric: str, first: date, last: date) -> float | None:
    if metric == "win_rate":
        won = sc.count(org, [seller], ("opportunity_won",), first, last)
        closed = won + sc.count(org, [seller], ("opportunity_lost",), first, last)
        return won / closed if closed else None
    return float(sc.count(org, [seller], KINDS[metric], first, last))


def expect(org: sc.Org, goal: dict[str, Any], on: date) -> dict[str, Any]:
    kind, seller = goal["period"], uuid.UUID(goal["seller_id"])
    review = period_of(date.fromisoformat(goal["review_on"]), kind)
    final = on > review.end and sc.TODAY > review.end
    period: Period = review if final else period_of(on, kind)
    days = max(0, (min(period.end, sc.TODAY) - period.start).days + 1)
    actual = value(org, seller, goal["metric_key"], period.start, min(period.end, sc.TODAY)) if days else None
    if actual is None and days and goal["kind"] == "activity":
        actual = 0.0
    target = scaled_target(goal["target"], kind, days) if goal["kind"] == "activity" else goal["target"]
    status = sc.status(actual, target, "gte")
    if final:
        status = "achieved" if status == "on_track" else "missed"
    first = period_of(datetime.fromisoformat(goal["first_agreed_at"]).date(), kind)
    starts = [period.start]
    while starts[0] > first.start:
        starts.insert(0, period_of(starts[0] - timedelta(days=1), kind).start)
    series = [value(org, seller, goal["metric_key"], s, period_of(s, kind).end) for s in starts]
    return {"period": (period.start.isoformat(), period.end.isoformat(), days), "final": final, "actual": actual,
            "expected": target, "status": status, "starts": [s.isoformat() for s in starts], "values": series}


def check(got: dict[str, Any], want: dict[str, Any]) -> None:
    p = got["period"]
    assert (p["start"], p["end"], p["elapsed_days"]) == want["period"]
    assert got["final"] == want["final"]
    assert got["actual"] == pytest.approx(want["actual"])
    assert got["expected"] == pytest.approx(want["expected"])
    assert got["status"] == want["status"]
    assert got["series"]["starts"] == want["starts"]
    assert got["series"]["values"] == pytest.approx(want["values"])


# ---- the tests ---------------------------------------------------------------------------------

async def test_progress_equals_the_brute_force(metrics):
    org = await sc.build(metrics)
    rnd = random.Random(11)
    goals = []
    for _ in range(40):
        metric = rnd.choice(["meetings", "calls", "emails", "win_rate"])
        kind = "proficiency" if metric == "win_rate" else "activity"
        period = rnd.choice(["week", "month", "quarter"])
        target = round(rnd.uniform(0.2, 0.6), 2) if kind == "proficiency" else rnd.randint(1, 40)
        first = sc.TODAY - timedelta(days=rnd.randint(0, 95))
        review_on = first + timedelta(days=rnd.randint(0, 120))
        goals.append(goal_item(rnd.choice(org.sellers), org.manager, metric, kind, target, period, review_on, first,
                               revision=rnd.randint(1, 3)))
    await sc.put(metrics, "goals", goals)
    by_id = {g["id"]: g for g in goals}
    for on in (sc.TODAY, sc.TODAY - timedelta(days=40), sc.TODAY + timedelta(days=20)):
        r = await metrics.get("/v1/goal-progress", params={"goal_ids": list(by_id), "on": on.isoformat()})
        assert r.status_code == 200, r.text
        got = r.json()
        assert [g["goal_id"] for g in got] == list(by_id)
        for g in got:
            goal = by_id[g["goal_id"]]
            assert (g["metric_key"], g["goal_period"], g["revision"]) == (goal["metric_key"], goal["period"],
                                                                          goal["version"])
            check(g, expect(org, goal, on))
    statuses = {g["status"] for g in got}
    assert {"achieved", "missed"} & statuses and {"on_track", "at_risk", "off_track"} & statuses
    # the default day is today; a goal the read model does not hold is left out
    r = await metrics.get("/v1/goal-progress", params={"goal_ids": [goals[0]["id"], str(uuid.uuid4())]})
    assert [g["goal_id"] for g in r.json()] == [goals[0]["id"]]
    check(r.json()[0], expect(org, goals[0], sc.TODAY))
    for params in ({"goal_ids": [str(uuid.uuid4())] * 201}, {}, {"goal_ids": ["x"]},
                   {"goal_ids": [goals[0]["id"]], "on": "2026-13-01"}):
        r = await metrics.get("/v1/goal-progress", params=params)
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", params


async def test_a_revised_goal_is_measured_on_its_latest_agreed_terms(metrics):
    org = await sc.build(metrics)
    seller, first = org.sellers[0], sc.TODAY - timedelta(days=60)
    goal = goal_item(seller, org.manager, "meetings", "activity", 3, "week", sc.TODAY + timedelta(days=30), first)
    await sc.put(metrics, "goals", [goal])
    revised = {**goal, "version": 2, "target": 10, "period": "month",
               "agreed_at": datetime.combine(sc.TODAY, time(8), tzinfo=UTC).isoformat()}
    await sc.put(metrics, "goals", [revised])
    [got] = (await metrics.get("/v1/goal-progress", params={"goal_ids": [goal["id"]]})).json()
    assert (got["revision"], got["target"], got["goal_period"], got["series"]["grain"]) == (2, 10, "month", "month")
    check(got, expect(org, revised, sc.TODAY))
    assert got["series"]["starts"][0] == period_of(first, "month").start.isoformat()


async def test_visibility(metrics, stack: Stack, tenant: Tenant):
    org = await sc.build(metrics)
    s0, s1, s4 = org.sellers[0], org.sellers[1], org.sellers[4]  # s0, s1 under org.manager; s4 under the other
    coach = uuid.uuid4()
    await sc.put(metrics, "people", [{"id": str(coach), "version": 1, "name": "Coach", "roles": ["seller"]}])
    await sc.put(metrics, "coach-assignments", [
        {"id": str(uuid.uuid4()), "version": 1, "coach_id": str(coach), "seller_id": str(s1), "kind": "peer",
         "scope": ["exec-meetings"], "starts_on": (sc.TODAY - timedelta(days=5)).isoformat()}])
    day = sc.TODAY + timedelta(days=10)
    g0 = goal_item(s0, org.manager, "meetings", "activity", 3, "week", day, sc.TODAY)
    g1 = goal_item(s1, coach, "meetings", "activity", 3, "week", day, sc.TODAY)
    g1_calls = goal_item(s1, coach, "calls", "activity", 3, "week", day, sc.TODAY)  # not in the scope
    g4 = goal_item(s4, org.other_manager, "meetings", "activity", 3, "week", day, sc.TODAY)
    goals = [g0, g1, g1_calls, g4]
    await sc.put(metrics, "goals", goals)
    ids = [g["id"] for g in goals]

    async def seen(person: uuid.UUID, *roles: str) -> list[str]:
        token = issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=person, roles=list(roles) or ["seller"])
        async with stack.client(token) as c:
            c.base_url = httpx.URL("http://uplift/api/metrics")
            r = await c.get("/v1/goal-progress", params={"goal_ids": ids})
            assert r.status_code == 200, r.text
            return [g["goal_id"] for g in r.json()]

    assert await seen(s0) == [g0["id"]]  # a seller sees their own goal
    assert await seen(s4) == [g4["id"]]  # not another seller's
    assert await seen(org.manager, "manager") == [g0["id"], g1["id"], g1_calls["id"], g4["id"]]  # the tree
    assert await seen(org.other_manager, "manager") == [g4["id"]]
    assert await seen(coach) == [g1["id"]]  # the assignment's behaviour's metrics only
    async with stack.client(await stack.key(tenant, "coaching:read")) as c:
        c.base_url = httpx.URL("http://uplift/api/metrics")
        assert (await c.get("/v1/goal-progress", params={"goal_ids": ids})).status_code == 403  # no metrics:read
