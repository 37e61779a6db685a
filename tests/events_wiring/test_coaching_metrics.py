"""Coaching metrics equal a brute-force recount from what the coaching service holds, after a random history
of coaching driven through its REST API: sessions scheduled, refocused, rescheduled, cancelled, missed, held
(with actions and goals), rated and re-rated; actions done on time, late, dropped and reopened; goals agreed
and revised. Events carry every change to the metrics read model, whose daily aggregates must follow."""

import random
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from common.auth import issue_person_token
from services.metrics.catalogue import CATALOGUE
from tests.conftest import JWT_SECRET, Tenant
from tests.events_wiring.coaching_recount import COACHING_KEYS, converged, ok, period_start, stored
from tests.events_wiring.conftest import Wired, eventually
from tests.metrics.brute_coaching import Cell, day


async def same_through_graphql(wired: Wired, tenant: Tenant, want: dict[Cell, tuple[float, float]],
                               people: list[str], vp: str, coaches: list[str], reorg: date, today: date) -> None:
    """Every coaching metric of every person, and of the VP's team along the tree (a coach joins it at the
    reorg), at day, week and month grain through GraphQL, equals the recount summed per period."""
    first, last = today - timedelta(days=45), today + timedelta(days=25)  # actions fall due ahead too
    fields = " ".join(f'{k}: series(metric: "{k}", from: $from, to: $to, grain: $grain, {{who}}) '
                      "{ starts numerators denominators }" for k in COACHING_KEYS)
    query = "query($from: Date!, $to: Date!, $grain: Grain!, $id: ID!) { " + fields + " }"

    def members(start: date) -> set[uuid.UUID]:
        return {uuid.UUID(c) for c in coaches[:2]} | ({uuid.UUID(coaches[2])} if start >= reorg else set())

    async with wired.client(tenant.api_key) as client:
        for grain in ("day", "week", "month"):
            for who, subjects in ([("personId", p) for p in people] + [("teamOf", vp)]):
                response = await client.post("/graphql", json={
                    "query": query.replace("{who}", f"{who}: $id"),
                    "variables": {"from": first.isoformat(), "to": last.isoformat(), "grain": grain.upper(),
                                  "id": subjects}})
                body = response.json()
                assert "errors" not in body, body
                for key, series in body["data"].items():
                    buckets: dict[date, list[float]] = defaultdict(lambda: [0.0, 0.0])
                    for (person, k, d), (num, den) in want.items():
                        start = period_start(d, grain)
                        mine = person in members(start) if who == "teamOf" else str(person) == subjects
                        if k == key and mine:
                            buckets[start][0] += num
                            buckets[start][1] += den
                    averaged = CATALOGUE[key].aggregation == "average"
                    got = {date.fromisoformat(st): (round(n, 9), round(d or 0.0, 9))
                           for st, n, d in zip(series["starts"], series["numerators"], series["denominators"],
                                               strict=True) if n or d}
                    expect = {st: (round(n, 9), round(d if averaged else 0.0, 9))
                              for st, (n, d) in buckets.items() if n or d}
                    assert got == expect, (grain, who, subjects, key)


@pytest.mark.parametrize("wired", ["inprocess"], indirect=True)
async def test_coaching_metrics_equal_a_recount_after_a_random_history(wired: Wired, tenant: Tenant,
                                                                       coaching: httpx.AsyncClient) -> None:
    rnd = random.Random(20261202)
    now = datetime.now(UTC)
    today = now.date()
    coaches = [ok(await coaching.post("/v1/people", json={"name": f"Coach {i}", "roles": ["manager"]}), 201)["id"]
               for i in range(3)]
    sellers = [ok(await coaching.post("/v1/people", json={"name": f"Seller {i}"}), 201)["id"] for i in range(5)]
    vp = ok(await coaching.post("/v1/people", json={"name": "VP", "roles": ["leader"]}), 201)["id"]
    reorg = today - timedelta(days=15)  # coach 2 moves under the VP
    for coach in coaches[:2]:
        ok(await coaching.put(f"/v1/people/{coach}/manager", json={"manager_id": vp, "effective": "2020-01-01"}))
    ok(await coaching.put(f"/v1/people/{coaches[2]}/manager", json={"manager_id": vp, "effective": reorg.isoformat()}))

    def token(person: str, role: str) -> str:
        return issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=uuid.UUID(person), roles=[role])

    held_sessions: list[tuple[dict[str, Any], str]] = []
    for n in range(40):
        coach, seller = rnd.choice(coaches), rnd.choice(sellers)
        when = datetime.combine(today - timedelta(days=rnd.randint(1, 40)), time(rnd.randint(0, 23)), UTC)
        s = ok(await coaching.post("/v1/sessions", json={
            "coach_id": coach, "seller_id": seller, "scheduled_at": when.isoformat(),
            "focus_keys": rnd.sample(["discovery", "exec-sponsor", "next-steps"], rnd.randint(0, 2))}), 201)
        if rnd.random() < 0.3:  # refocused or moved (possibly to another day)
            moved = when + timedelta(hours=rnd.choice([1, 20, 30]))
            if moved >= now:
                moved = when - timedelta(hours=5)
            ok(await coaching.patch(f"/v1/sessions/{s['id']}", json={
                "scheduled_at": moved.isoformat(), "focus_keys": ["discovery"]}))
            when = moved
        fate = rnd.random()
        if fate < 0.15:
            ok(await coaching.post(f"/v1/sessions/{s['id']}/cancel", json={"reason": "travel"}))
        elif fate < 0.25:
            ok(await coaching.post(f"/v1/sessions/{s['id']}/no-show"))
        elif fate < 0.9:
            held = min(when + timedelta(minutes=rnd.randint(0, 600)), now - timedelta(minutes=1))
            body: dict[str, Any] = {"held_at": held.isoformat(), "actions": [], "goals": []}
            for _ in range(rnd.choice([0, 0, 1, 2])):
                due = day(held) + timedelta(days=rnd.randint(0, 20))
                body["actions"].append({"description": f"step {n}", "owner_id": seller, "due_on": due.isoformat()})
            if rnd.random() < 0.3:
                body["goals"].append({"metric_key": "meetings", "kind": "activity", "target": rnd.randint(2, 5),
                                      "period": "week", "review_on": (today + timedelta(days=14)).isoformat()})
            ok(await coaching.post(f"/v1/sessions/{s['id']}/complete", json=body))
            held_sessions.append((s, seller))

    # the edges of "on time": done on the due day itself (on time) and the day after it (late)
    edge = ok(await coaching.post("/v1/sessions", json={
        "coach_id": coaches[0], "seller_id": sellers[0],
        "scheduled_at": (now - timedelta(days=1, hours=1)).isoformat()}), 201)
    ok(await coaching.post(f"/v1/sessions/{edge['id']}/complete", json={
        "held_at": (now - timedelta(days=1)).isoformat(),
        "actions": [{"description": "due today", "owner_id": sellers[0], "due_on": today.isoformat()},
                    {"description": "due yesterday", "owner_id": sellers[0],
                     "due_on": day(now - timedelta(days=1)).isoformat()}]}))
    for a in ok(await coaching.get("/v1/actions", params={"session_id": edge["id"]}))["items"]:
        ok(await coaching.patch(f"/v1/actions/{a['id']}", json={"status": "done"}))

    for s, seller in held_sessions:
        if rnd.random() < 0.7:
            async with wired.rest("coaching", token(seller, "seller")) as as_seller:
                scores = {k: rnd.randint(1, 5) for k in ("relevant", "developmental", "motivational")}
                ok(await as_seller.put(f"/v1/sessions/{s['id']}/rating", json=scores), 201)
                if rnd.random() < 0.3:  # changed within the window
                    ok(await as_seller.put(f"/v1/sessions/{s['id']}/rating",
                                           json={k: rnd.randint(1, 5) for k in scores}))

    actions = ok(await coaching.get("/v1/actions", params={"limit": 200}))["items"]
    assert actions
    for a in actions:
        if a["session_id"] == edge["id"]:
            continue
        step = rnd.random()
        if step < 0.5:
            ok(await coaching.patch(f"/v1/actions/{a['id']}", json={"status": "done"}))  # on time or late
        elif step < 0.6:
            ok(await coaching.patch(f"/v1/actions/{a['id']}", json={"status": "dropped"}))
        elif step < 0.7:
            ok(await coaching.patch(f"/v1/actions/{a['id']}", json={"status": "done"}))
            ok(await coaching.patch(f"/v1/actions/{a['id']}", json={"status": "open"}))  # reopened
        elif step < 0.8 and a["due_on"] >= today.isoformat():
            ok(await coaching.patch(f"/v1/actions/{a['id']}", json={
                "due_on": (date.fromisoformat(a["due_on"]) + timedelta(days=2)).isoformat()}))

    goals = ok(await coaching.get("/v1/goals", params={"limit": 200}))["items"]
    assert goals
    for g in goals:
        for party, role in ((g["seller_id"], "seller"), (g["coach_id"], "manager")):
            async with wired.rest("coaching", token(party, role)) as as_party:
                ok(await as_party.post(f"/v1/goals/{g['id']}/agree", json={}))
        if rnd.random() < 0.5:  # revised and agreed again: still one goal agreed, on its first day
            ok(await coaching.post(f"/v1/goals/{g['id']}/revise", json={
                "metric_key": "meetings", "kind": "activity", "target": 6, "period": "week",
                "review_on": (today + timedelta(days=21)).isoformat()}))
            for party, role in ((g["seller_id"], "seller"), (g["coach_id"], "manager")):
                async with wired.rest("coaching", token(party, role)) as as_party:
                    ok(await as_party.post(f"/v1/goals/{g['id']}/agree", json={}))

    want = await converged(wired, tenant)
    await same_through_graphql(wired, tenant, want, [*coaches, *sellers], vp, coaches, reorg, today)
    keys = {k for _, k, _ in want}
    assert {"coaching_sessions_held", "coaching_sessions_planned", "coaching_sessions_cancelled",
            "coaching_no_shows", "coaching_rating_relevant", "coaching_actions_on_time", "actions_on_time",
            "coaching_goals_agreed", "coaching_sessions_received", "coaching_sessions_with_action"} <= keys
    coach0 = uuid.UUID(coaches[0])
    if datetime.now(UTC).date() != today:
        return  # the day turned during the test: "done on its due day" no longer holds for the edge actions
    assert want[(coach0, "coaching_actions_on_time", today)][0] >= 1  # done on its due day: on time
    assert want[(coach0, "coaching_actions_on_time", today - timedelta(days=1))][1] >= 1


@pytest.mark.parametrize("wired", ["inprocess"], indirect=True)
async def test_a_replayed_or_older_session_changes_no_figure(wired: Wired, tenant: Tenant,
                                                             coaching: httpx.AsyncClient) -> None:
    """The read model's internal endpoint, written with the same session's versions out of order and twice:
    the figures follow the newest version only."""
    coach, seller = uuid.uuid4(), uuid.uuid4()
    sid = uuid.uuid4()
    when = datetime.combine(datetime.now(UTC).date() - timedelta(days=3), time(10), UTC)
    base = {"id": str(sid), "coach_id": str(coach), "seller_id": str(seller), "scheduled_at": when.isoformat()}
    v1 = {**base, "version": 1, "status": "scheduled"}
    v2 = {**base, "version": 2, "status": "completed", "held_at": (when + timedelta(days=1)).isoformat(),
          "relevant": 4, "developmental": 2, "motivational": 5, "has_agreed_action": True}
    v3 = {**base, "version": 3, "status": "completed", "held_at": (when + timedelta(days=1)).isoformat(),
          "relevant": 2, "developmental": 2, "motivational": 2, "has_agreed_action": True}
    async with wired.rest("metrics", await wired.key(tenant, "admin", "metrics:internal")) as metrics:
        for batch in ([v1], [v3, v2], [v2], [v1, v3]):
            ok(await metrics.put("/v1/internal/sessions", json={"items": batch}))

    held = day(when) + timedelta(days=1)
    got = await stored(wired, tenant)
    assert got == {
        (coach, "coaching_sessions_planned", day(when)): (1.0, 0.0),
        (coach, "coaching_sessions_held", held): (1.0, 0.0),
        (seller, "coaching_sessions_received", held): (1.0, 0.0),
        (coach, "coaching_sessions_with_action", held): (1.0, 0.0),
        (coach, "coaching_rating_relevant", held): (2.0, 1.0),
        (coach, "coaching_rating_developmental", held): (2.0, 1.0),
        (coach, "coaching_rating_motivational", held): (2.0, 1.0),
    }


@pytest.mark.parametrize("wired", ["inprocess"], indirect=True)
async def test_coaching_evidence_lists_sessions_and_backs_tenant_metrics(wired: Wired, tenant: Tenant,
                                                                         coaching: httpx.AsyncClient) -> None:
    """The sessions behind a coaching figure are listed with their ids, and a tenant's own metric over coaching
    evidence (sessions held on one behaviour) is backfilled from what is stored and kept up to date."""
    coach = ok(await coaching.post("/v1/people", json={"name": "Coach", "roles": ["manager"]}), 201)["id"]
    seller = ok(await coaching.post("/v1/people", json={"name": "Seller"}), 201)["id"]
    now = datetime.now(UTC)
    sessions = []
    for hours, focus in ((30, ["exec-sponsor"]), (28, ["discovery"]), (26, ["exec-sponsor", "discovery"])):
        s = ok(await coaching.post("/v1/sessions", json={
            "coach_id": coach, "seller_id": seller, "scheduled_at": (now - timedelta(hours=hours)).isoformat(),
            "focus_keys": focus}), 201)
        ok(await coaching.post(f"/v1/sessions/{s['id']}/complete", json={
            "held_at": (now - timedelta(hours=hours - 1)).isoformat()}))
        sessions.append(s["id"])
    await converged(wired, tenant)
    window = {"from": (now - timedelta(days=3)).date().isoformat(), "to": now.date().isoformat()}
    async with wired.rest("metrics", tenant.api_key) as metrics:
        listed = ok(await metrics.get("/v1/evidence", params={"metric": "coaching_sessions_held",
                                                              "person_id": coach, **window}))["items"]
        assert sorted(e["external_id"] for e in listed) == sorted(sessions)
        assert {(e["kind"], e["type"], e["attributes"]["session_id"] == e["external_id"]) for e in listed} == {
            ("coaching", "session_held", True)}
        assert ok(await metrics.get("/v1/evidence", params={"metric": "coaching_sessions_held",
                                                            "person_id": seller, **window}))["items"] == []

        ok(await metrics.post("/v1/metrics", json={
            "key": "sponsor_coaching", "name": "Coaching on the executive sponsor", "kind": "activity",
            "aggregation": "count", "source": "coaching", "types": ["session_held"],
            "filters": {"behavior_keys": "exec-sponsor"}}), 201)
        bad = await metrics.post("/v1/metrics", json={
            "key": "bad_coaching", "name": "x", "kind": "activity", "aggregation": "count", "source": "coaching",
            "types": ["call"]})
        assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json", bad.text

        async def sponsor_total() -> float:
            series = ok(await metrics.get("/v1/series", params={
                "metric": "sponsor_coaching", "person_id": coach, "grain": "month", **window}))
            return float(sum(series["numerators"]))

        assert await sponsor_total() == 2.0  # backfilled: the two sessions on that behaviour
        s = ok(await coaching.post("/v1/sessions", json={
            "coach_id": coach, "seller_id": seller, "scheduled_at": (now - timedelta(hours=3)).isoformat(),
            "focus_keys": ["exec-sponsor"]}), 201)
        ok(await coaching.post(f"/v1/sessions/{s['id']}/complete",
                               json={"held_at": (now - timedelta(hours=2)).isoformat()}))

        async def three() -> bool:
            return await sponsor_total() == 3.0

        await eventually(three)
        listed = ok(await metrics.get("/v1/metrics", params={"keys": "coaching_rating_relevant"}))["items"]
        assert [(m["key"], m["source"], m["unit"]) for m in listed] == [
            ("coaching_rating_relevant", "coaching", "rating 1-5")]


@pytest.mark.parametrize("wired", ["inprocess"], indirect=True)
async def test_a_managers_coaching_scorecard_and_the_vps_adoption(wired: Wired, tenant: Tenant,
                                                                  coaching: httpx.AsyncClient,
                                                                  behaviors: httpx.AsyncClient) -> None:
    """A coaching behaviour measured by a coaching metric, like any selling one: the manager who coached four
    times in the last 7 days against five expected is at risk; the VP sees one of two managers meeting it."""
    created = ok(await behaviors.post("/v1/behaviors", json={
        "key": "weekly-coaching", "name": "Weekly 1:1 coaching", "audience": ["manager"],
        "indicators": [{"metric_key": "coaching_sessions_held", "kind": "activity", "target": 5, "period": "week"}]}),
        201)
    ok(await behaviors.post(f"/v1/behaviors/{created['id']}/publish"))
    vp = ok(await coaching.post("/v1/people", json={"name": "VP", "roles": ["leader"]}), 201)["id"]
    managers = [ok(await coaching.post("/v1/people", json={"name": n, "roles": ["manager"]}), 201)["id"]
                for n in ("Under", "Over")]
    seller = ok(await coaching.post("/v1/people", json={"name": "Seller"}), 201)["id"]
    for m in managers:
        ok(await coaching.put(f"/v1/people/{m}/manager", json={"manager_id": vp, "effective": "2020-01-01"}))
    now = datetime.now(UTC)
    for m, held in zip(managers, (4, 6), strict=True):
        for n in range(held):
            at = now - timedelta(days=n, hours=2)
            s = ok(await coaching.post("/v1/sessions", json={
                "coach_id": m, "seller_id": seller, "scheduled_at": (at - timedelta(hours=1)).isoformat()}), 201)
            ok(await coaching.post(f"/v1/sessions/{s['id']}/complete", json={"held_at": at.isoformat()}))
    await converged(wired, tenant)

    query = """query($m: ID!, $vp: ID!) {
      scorecard(personId: $m, period: LAST_7_DAYS) { behaviors { key indicators { metricKey actual expected status } } }
      adoption(behaviorKey: "weekly-coaching", teamOf: $vp, period: LAST_7_DAYS) {
        audienceSize indicators { metricKey meeting share } } }"""
    async with wired.client(tenant.api_key) as client:
        body = (await client.post("/graphql", json={"query": query,
                                                     "variables": {"m": managers[0], "vp": vp}})).json()
    assert "errors" not in body, body
    card = {b["key"]: b["indicators"] for b in body["data"]["scorecard"]["behaviors"]}
    assert card["weekly-coaching"] == [{"metricKey": "coaching_sessions_held", "actual": 4.0, "expected": 5.0,
                                        "status": "AT_RISK"}]
    adoption = body["data"]["adoption"]
    assert adoption["audienceSize"] == 2
    assert adoption["indicators"] == [{"metricKey": "coaching_sessions_held", "meeting": 1, "share": 0.5}]
