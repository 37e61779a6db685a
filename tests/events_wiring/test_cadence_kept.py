"""Cadence kept (programme sessions held ÷ expected, per coach) equals a brute-force recount from what the coaching
service holds, after a random history of programmes, pairs and sessions driven through its REST API — and
again after a pair leaves, a programme's cadence and period change, a programme is deleted, and days pass
without any event (the daily accrual job). Through GraphQL, per coach and for the VP's team, at day, week and
month grain. Expected sessions are sums of 1/cadence_days: compared within 1e-7 (coaching_recount.py)."""

import random
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import delete

from services.metrics.cadence_accrual import CadenceAccrual
from services.metrics.models import CadenceAccrualDay, CoachingFact, MetricDaily
from tests.conftest import Tenant
from tests.events_wiring.coaching_recount import (
    TOLERANCE,
    Figures,
    converged,
    differences,
    ok,
    period_start,
    stored,
)
from tests.events_wiring.conftest import Wired, eventually

KEYS = ("coaching_programme_sessions_held", "coaching_sessions_expected")


async def accrue(wired: Wired, today: date) -> int:
    """The daily job, run by hand as of `today`."""
    return await CadenceAccrual(wired.db("metrics"), every=3600.0, today=lambda: today).run_once()


async def same_through_graphql(wired: Wired, tenant: Tenant, want: Figures, coaches: list[str], vp: str,
                               first: date, last: date) -> None:
    """Cadence kept and its two parts, per coach and for the VP's team (every coach reports to the VP), per day,
    week and month, equal the recount summed per period; the ratio is held / expected of the period."""
    fields = " ".join(f'{k}: series(metric: "{k}", from: $from, to: $to, grain: $grain, {{who}}) '
                      "{ starts values numerators denominators }"
                      for k in ("coaching_cadence_kept", *KEYS))
    query = "query($from: Date!, $to: Date!, $grain: Grain!, $id: ID!) { " + fields + " }"
    async with wired.client(tenant.api_key) as client:
        for grain in ("day", "week", "month"):
            for who, subject in [("personId", c) for c in coaches] + [("teamOf", vp)]:
                body = (await client.post("/graphql", json={
                    "query": query.replace("{who}", f"{who}: $id"),
                    "variables": {"from": first.isoformat(), "to": last.isoformat(), "grain": grain.upper(),
                                  "id": subject}})).json()
                assert "errors" not in body, body
                people = set(coaches) if who == "teamOf" else {subject}
                buckets: dict[str, dict[date, float]] = {k: defaultdict(float) for k in KEYS}
                for (person, key, d), (num, _) in want.items():
                    if key in KEYS and str(person) in people and first <= d:
                        buckets[key][period_start(d, grain)] += num
                for key in KEYS:
                    series = body["data"][key]
                    got = {date.fromisoformat(s): (n, 0.0) for s, n in zip(series["starts"], series["numerators"],
                                                                         strict=True)}
                    assert not differences(got, {s: (n, 0.0) for s, n in buckets[key].items()}), (grain, who, key)
                kept = body["data"]["coaching_cadence_kept"]
                for start, value, num, den in zip(kept["starts"], kept["values"], kept["numerators"],
                                                  kept["denominators"], strict=True):
                    held = buckets[KEYS[0]].get(date.fromisoformat(start), 0.0)
                    expected = buckets[KEYS[1]].get(date.fromisoformat(start), 0.0)
                    assert abs(num - held) <= TOLERANCE and abs((den or 0.0) - expected) <= TOLERANCE
                    if expected > TOLERANCE:
                        assert value is not None and abs(value - held / expected) <= 1e-6, (grain, who, start)
                    else:
                        assert value is None, (grain, who, start, value)


async def same_scorecards(wired: Wired, tenant: Tenant, behaviors: httpx.AsyncClient, want: Figures,
                          coaches: list[str], vp: str, today: date) -> None:
    """A manager behaviour measured by cadence kept: each coach's scorecard over the last 7 days shows held /
    expected of those days, and the VP's adoption counts the three coaches."""
    created = ok(await behaviors.post("/v1/behaviors", json={
        "key": "programme-cadence", "name": "Keep the programme cadence", "audience": ["manager"],
        "indicators": [{"metric_key": "coaching_cadence_kept", "kind": "proficiency", "target": 1,
                        "period": "week"}]}), 201)
    ok(await behaviors.post(f"/v1/behaviors/{created['id']}/publish"))
    query = """query($m: ID!, $vp: ID!) {
      scorecard(personId: $m, period: LAST_7_DAYS) { behaviors { key indicators { metricKey actual } } }
      adoption(behaviorKey: "programme-cadence", teamOf: $vp, period: LAST_7_DAYS) { audienceSize } }"""
    week = {today - timedelta(days=d) for d in range(7)}
    async with wired.client(tenant.api_key) as client:
        for coach in coaches:
            async def card(coach: str = coach) -> Any:
                body = (await client.post("/graphql", json={"query": query,
                                                             "variables": {"m": coach, "vp": vp}})).json()
                if "errors" in body:  # until the behaviour's event has arrived: not found
                    assert all(e["extensions"]["code"] == "NOT_FOUND" for e in body["errors"]), body
                    return None
                cards = {b["key"]: b["indicators"] for b in body["data"]["scorecard"]["behaviors"]}
                return body if "programme-cadence" in cards else None

            body = await eventually(card)
            assert body["data"]["adoption"]["audienceSize"] == 3
            [indicator] = {b["key"]: b["indicators"] for b in body["data"]["scorecard"]["behaviors"]}[
                "programme-cadence"]
            held, expected = (sum(v[0] for (p, k, d), v in want.items() if str(p) == coach and k == key and d in week)
                              for key in KEYS)
            if expected > TOLERANCE:
                assert abs(indicator["actual"] - held / expected) <= 1e-6, (coach, indicator, held, expected)
            else:
                assert indicator["actual"] is None


@pytest.mark.parametrize("wired", ["inprocess"], indirect=True)
async def test_cadence_kept_equals_a_recount_through_pair_and_programme_changes(
        wired: Wired, tenant: Tenant, coaching: httpx.AsyncClient, behaviors: httpx.AsyncClient) -> None:
    rnd = random.Random(20261203)
    now = datetime.now(UTC)
    today = now.date()
    vp = ok(await coaching.post("/v1/people", json={"name": "VP", "roles": ["leader"]}), 201)["id"]
    coaches = [ok(await coaching.post("/v1/people", json={"name": f"Coach {i}", "roles": ["manager"]}), 201)["id"]
               for i in range(3)]
    sellers = [ok(await coaching.post("/v1/people", json={"name": f"Seller {i}"}), 201)["id"] for i in range(4)]
    for coach in coaches:
        ok(await coaching.put(f"/v1/people/{coach}/manager", json={"manager_id": vp, "effective": "2020-01-01"}))

    programmes: list[dict[str, Any]] = []
    for n, cadence in enumerate((7, 3, 14)):
        starts = today - timedelta(days=rnd.randint(30, 50))
        ends = None if n != 2 else today + timedelta(days=10)
        programmes.append(ok(await coaching.post("/v1/programmes", json={
            "name": f"Programme {n}", "behavior_keys": ["discovery"], "cadence_days": cadence,
            "starts_on": starts.isoformat(), "ends_on": ends and ends.isoformat()}), 201))
    pairs: list[dict[str, Any]] = []
    for p in programmes:
        starts = date.fromisoformat(p["starts_on"])
        for coach, seller in rnd.sample([(c, s) for c in coaches for s in sellers], 4):
            joined = starts + timedelta(days=rnd.randint(0, (today - starts).days))
            pairs.append(ok(await coaching.post(f"/v1/programmes/{p['id']}/pairs", json={
                "coach_id": coach, "seller_id": seller, "joined_on": joined.isoformat()}), 201))

    for _ in range(45):  # sessions of pairs, some held before the pair joined (not counted), some elsewhere
        pair = rnd.choice(pairs)
        when = datetime.combine(today - timedelta(days=rnd.randint(0, 45)), time(rnd.randint(0, 20)), UTC)
        programme = pair["programme_id"] if rnd.random() < 0.85 else None
        s = ok(await coaching.post("/v1/sessions", json={
            "coach_id": pair["coach_id"], "seller_id": pair["seller_id"], "programme_id": programme,
            "scheduled_at": min(when, now - timedelta(minutes=5)).isoformat()}), 201)
        if rnd.random() < 0.8:
            held = min(when + timedelta(hours=rnd.choice([0, 2, 30])), now - timedelta(minutes=1))
            ok(await coaching.post(f"/v1/sessions/{s['id']}/complete", json={"held_at": held.isoformat()}))
        elif rnd.random() < 0.5:
            ok(await coaching.post(f"/v1/sessions/{s['id']}/cancel", json={"reason": "travel"}))
    want = await converged(wired, tenant)
    assert {k for _, k, _ in want} >= set(KEYS)

    # a pair leaves (its days after that no longer expect, its later sessions no longer count), another pair
    # leaves on the day it joined (removed altogether)
    leaving = next(p for p in pairs if date.fromisoformat(p["joined_on"]) < today - timedelta(days=5))
    left_on = date.fromisoformat(leaving["joined_on"]) + timedelta(days=3)
    after_leaving = datetime.combine(today - timedelta(days=1), time(1), UTC)
    s = ok(await coaching.post("/v1/sessions", json={
        "coach_id": leaving["coach_id"], "seller_id": leaving["seller_id"], "programme_id": leaving["programme_id"],
        "scheduled_at": after_leaving.isoformat()}), 201)
    ok(await coaching.post(f"/v1/sessions/{s['id']}/complete", json={"held_at": after_leaving.isoformat()}))
    cell = (uuid.UUID(leaving["coach_id"]), KEYS[0], after_leaving.date())
    before = (await converged(wired, tenant))[cell][0]
    ok(await coaching.delete(f"/v1/programmes/{leaving['programme_id']}/pairs/{leaving['id']}",
                             params={"left_on": left_on.isoformat()}), 204)
    late = ok(await coaching.post(f"/v1/programmes/{programmes[0]['id']}/pairs", json={
        "coach_id": coaches[0], "seller_id": vp, "joined_on": today.isoformat()}), 201)
    ok(await coaching.delete(f"/v1/programmes/{programmes[0]['id']}/pairs/{late['id']}",
                             params={"left_on": today.isoformat()}), 204)
    assert (await converged(wired, tenant)).get(cell, (0.0, 0.0))[0] == before - 1  # held after it left

    # a programme's cadence changes (every day of its pairs expects anew), another's period ends earlier
    ok(await coaching.patch(f"/v1/programmes/{programmes[1]['id']}", json={"cadence_days": 5}))
    last_joined = max(date.fromisoformat(p["joined_on"]) for p in pairs if p["programme_id"] == programmes[2]["id"])
    ok(await coaching.patch(f"/v1/programmes/{programmes[2]['id']}", json={
        "ends_on": max(last_joined, today - timedelta(days=2)).isoformat()}))
    await converged(wired, tenant)

    # a programme without sessions is deleted with its pairs: its expected sessions go
    doomed = ok(await coaching.post("/v1/programmes", json={
        "name": "Doomed", "behavior_keys": ["discovery"], "cadence_days": 2,
        "starts_on": (today - timedelta(days=9)).isoformat()}), 201)
    ok(await coaching.post(f"/v1/programmes/{doomed['id']}/pairs", json={
        "coach_id": coaches[1], "seller_id": sellers[0], "joined_on": (today - timedelta(days=9)).isoformat()}), 201)
    with_doomed = await converged(wired, tenant)
    ok(await coaching.delete(f"/v1/programmes/{doomed['id']}"), 204)
    want = await converged(wired, tenant)
    coach1 = uuid.UUID(coaches[1])
    assert sum(v[0] for (p, k, _), v in with_doomed.items() if p == coach1 and k == KEYS[1]) > \
        sum(v[0] for (p, k, _), v in want.items() if p == coach1 and k == KEYS[1]) + 4.0  # 10 days / 2

    first = min(d for _, _, d in want)
    await same_through_graphql(wired, tenant, want, coaches, vp, first, today + timedelta(days=5))
    await same_scorecards(wired, tenant, behaviors, want, coaches, vp, today)

    # days pass without any event: the daily job accrues open pairs (and is idempotent); a later write then
    # accrues through the job's day too, never less. (The job looks across tenants: its counts are not ours.)
    await accrue(wired, today)  # the tenant's first run: nothing is missing, nothing changes
    assert not differences(await converged(wired, tenant, today), want)
    later = today + timedelta(days=3)
    await accrue(wired, later)
    await accrue(wired, later)  # already accrued through that day: adds nothing
    ahead = await converged(wired, tenant, later)
    assert sum(v[0] for (_, k, _), v in ahead.items() if k == KEYS[1]) > \
        sum(v[0] for (_, k, _), v in want.items() if k == KEYS[1])
    ok(await coaching.patch(f"/v1/programmes/{programmes[0]['id']}", json={"cadence_days": 4}))
    final = await converged(wired, tenant, later)
    await same_through_graphql(wired, tenant, final, coaches, vp, first, later)


@pytest.mark.parametrize("wired", ["inprocess"], indirect=True)
async def test_in_any_order_and_the_first_accrual_backfills(wired: Wired, tenant: Tenant) -> None:
    """Through the read model's internal endpoints: a session arrives before its pair, the pair before its
    programme — the figures follow once all three are there. Then, as if stored before met0012 (no facts, no
    figures, no accrual day), the tenant's first accrual brings them back."""
    today = datetime.now(UTC).date()
    coach, seller, programme, pair, sid = (uuid.uuid4() for _ in range(5))
    held = datetime.combine(today - timedelta(days=2), time(9), UTC)
    outside = datetime.combine(today - timedelta(days=12), time(9), UTC)  # before the pair joined
    session = {"version": 1, "coach_id": str(coach), "seller_id": str(seller), "programme_id": str(programme),
               "status": "completed"}
    items = {
        "sessions": [{**session, "id": str(sid), "scheduled_at": held.isoformat(), "held_at": held.isoformat()},
                     {**session, "id": str(uuid.uuid4()), "scheduled_at": outside.isoformat(),
                      "held_at": outside.isoformat()}],
        "programme-participants": [{"id": str(pair), "version": 1, "programme_id": str(programme),
                                    "person_id": str(seller), "coach_id": str(coach),
                                    "joined_on": (today - timedelta(days=10)).isoformat()}],
        "programmes": [{"id": str(programme), "version": 1, "name": "Weekly", "behavior_keys": ["discovery"],
                        "cadence_days": 7, "starts_on": (today - timedelta(days=30)).isoformat()}],
    }
    want = {(coach, "coaching_programme_sessions_held", held.date()): 1.0,
            **{(coach, "coaching_sessions_expected", today - timedelta(days=d)): 1 / 7 for d in range(11)}}

    async def figures() -> dict[tuple[uuid.UUID, str, date], float]:
        got = await stored(wired, tenant)
        return {k: v[0] for k, v in got.items() if k[1] in KEYS}

    async with wired.rest("metrics", await wired.key(tenant, "admin", "metrics:internal")) as metrics:
        ok(await metrics.put("/v1/internal/sessions", json={"items": items["sessions"]}))
        assert await figures() == {}
        ok(await metrics.put("/v1/internal/programme-participants", json={"items": items["programme-participants"]}))
        assert await figures() == {}  # no programme yet: no period, no cadence
        ok(await metrics.put("/v1/internal/programmes", json={"items": items["programmes"]}))
        assert not differences({k: (v, 0.0) for k, v in (await figures()).items()},
                               {k: (v, 0.0) for k, v in want.items()})
    async with wired.rest("metrics", tenant.api_key) as metrics:  # the evidence behind the ratio: both parts
        listed = ok(await metrics.get("/v1/evidence", params={
            "metric": "coaching_cadence_kept", "person_id": str(coach), "limit": 50,
            "from": (today - timedelta(days=20)).isoformat(), "to": today.isoformat()}))["items"]
        assert sorted((e["type"], e["external_id"], tuple(e["counts_in"])) for e in listed) == [
            ("programme_session_held", str(sid), ("coaching_programme_sessions_held",))] + [
            ("session_expected", str(pair), ("coaching_sessions_expected",))] * 11

    async with wired.db("metrics").sessions() as s:  # as before met0012: neither facts nor figures
        await s.execute(delete(CoachingFact).where(CoachingFact.tenant_id == tenant.id,
                                                   CoachingFact.type.in_(["session_expected",
                                                                          "programme_session_held"])))
        await s.execute(delete(MetricDaily).where(MetricDaily.tenant_id == tenant.id,
                                                  MetricDaily.metric_key.in_(KEYS)))
        await s.execute(delete(CadenceAccrualDay).where(CadenceAccrualDay.tenant_id == tenant.id))
        await s.commit()
    assert await figures() == {}
    await accrue(wired, today)
    assert not differences({k: (v, 0.0) for k, v in (await figures()).items()}, {k: (v, 0.0) for k, v in want.items()})
