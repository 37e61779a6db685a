"""Rubric observations recorded in coaching sessions reach the metrics service through the session events and
become `observed_level:<behaviour key>`: equal to a brute-force recount from the coaching service's own
observations, after a random history (sessions held with observations, cancelled, missed, rated and re-rated —
every session event carries its observations). A behaviour whose indicator is the level observed on it shows
on the seller's scorecard and in a series through GraphQL, and a goal on it is measured."""

import random
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from common.auth import issue_person_token
from services.coaching.models import Observation, Session
from services.metrics.models import MetricDaily
from tests.conftest import JWT_SECRET, Tenant
from tests.events_wiring.coaching_recount import ok
from tests.events_wiring.conftest import Wired, eventually

KEYS = ("discovery", "exec.sponsor-map")
Figures = dict[tuple[uuid.UUID, str, date], tuple[float, float]]


async def recount(wired: Wired, tenant: Tenant) -> Figures:
    """Σ levels and observations per (seller, observed_level:<key>, UTC day held), from the coaching service's
    rows, written out here on purpose."""
    cells: dict[tuple[uuid.UUID, str, date], list[float]] = defaultdict(lambda: [0.0, 0.0])
    async with wired.db("coaching").sessions() as db:
        rows = (await db.execute(select(Session.seller_id, Session.status, Session.held_at, Observation.behavior_key,
                                        Observation.level)
                                 .join(Observation, Observation.session_id == Session.id)
                                 .where(Session.tenant_id == tenant.id))).all()
    for seller, status, held_at, key, level in rows:
        if status == "completed":
            cell = cells[(seller, f"observed_level:{key}", held_at.astimezone(UTC).date())]
            cell[0] += level
            cell[1] += 1
    return {k: (v[0], v[1]) for k, v in cells.items()}


async def stored(wired: Wired, tenant: Tenant) -> Figures:
    m = MetricDaily
    async with wired.db("metrics").sessions() as db:
        rows = (await db.execute(select(m.person_id, m.metric_key, m.day, m.num, m.den).where(
            m.tenant_id == tenant.id, m.metric_key.like("observed%")))).all()
    return {(p, k, d): (n, e) for p, k, d, n, e in rows if n or e}


@pytest.mark.parametrize("wired", ["inprocess"], indirect=True)
async def test_observed_levels_follow_the_coaching_services_observations(wired: Wired, tenant: Tenant,
                                                                         coaching: httpx.AsyncClient,
                                                                         behaviors: httpx.AsyncClient) -> None:
    rnd = random.Random(20261202)
    now = datetime.now(UTC)
    today = now.date()
    coach = ok(await coaching.post("/v1/people", json={"name": "Coach", "roles": ["manager"]}), 201)["id"]
    sellers = [ok(await coaching.post("/v1/people", json={"name": f"Seller {i}"}), 201)["id"] for i in range(3)]
    for seller in sellers:
        ok(await coaching.put(f"/v1/people/{seller}/manager", json={"manager_id": coach, "effective": "2020-01-01"}))
    behavior = ok(await behaviors.post("/v1/behaviors", json={
        "key": "discovery", "name": "Discovery", "audience": ["seller"],
        "indicators": [{"metric_key": "observed_level:discovery", "kind": "proficiency", "target": 3,
                        "period": "month"}]}), 201)
    ok(await behaviors.post(f"/v1/behaviors/{behavior['id']}/publish"))

    held: list[tuple[str, str]] = []
    for _ in range(24):
        seller = rnd.choice(sellers)
        when = datetime.combine(today - timedelta(days=rnd.randint(1, 20)), time(rnd.randint(0, 23)), UTC)
        s = ok(await coaching.post("/v1/sessions", json={"coach_id": coach, "seller_id": seller,
                                                         "scheduled_at": when.isoformat()}), 201)
        fate = rnd.random()
        if fate < 0.15:
            ok(await coaching.post(f"/v1/sessions/{s['id']}/cancel", json={"reason": "travel"}))
            continue
        observations = [{"behavior_key": rnd.choice(KEYS), "level": rnd.randint(1, 4), "evidence": "seen"}
                        for _ in range(rnd.choice((0, 1, 2)))]
        ok(await coaching.post(f"/v1/sessions/{s['id']}/complete", json={
            "held_at": min(when + timedelta(minutes=30), now - timedelta(minutes=1)).isoformat(),
            "observations": observations}))
        held.append((s["id"], seller))
    for sid, seller in held:  # a rating is a new version of the session: it must keep its observations
        if rnd.random() < 0.6:
            token = issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=uuid.UUID(seller), roles=["seller"])
            async with wired.rest("coaching", token) as as_seller:
                for status in (201, 200)[:rnd.choice((1, 2))]:
                    ok(await as_seller.put(f"/v1/sessions/{sid}/rating", json={
                        k: rnd.randint(1, 5) for k in ("relevant", "developmental", "motivational")}), status)
    goal_session = ok(await coaching.post("/v1/sessions", json={
        "coach_id": coach, "seller_id": sellers[0], "scheduled_at": (now - timedelta(minutes=2)).isoformat()}), 201)
    done = ok(await coaching.post(f"/v1/sessions/{goal_session['id']}/complete", json={
        "held_at": (now - timedelta(minutes=1)).isoformat(),
        "observations": [{"behavior_key": "discovery", "level": 2}],
        "goals": [{"metric_key": "observed_level:discovery", "kind": "proficiency", "target": 3, "period": "month",
                   "review_on": (today + timedelta(days=14)).isoformat()}]}))
    token = issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=uuid.UUID(sellers[0]), roles=["seller"])
    async with wired.rest("coaching", token) as as_seller:
        ok(await as_seller.post(f"/v1/goals/{done['goals'][0]['id']}/agree", json={}))

    want = await recount(wired, tenant)
    assert {k for _, k, _ in want} == {f"observed_level:{k}" for k in KEYS}

    async def same() -> bool:
        return await stored(wired, tenant) == want

    await eventually(same)

    month = today.replace(day=1)
    query = """query($id: ID!, $from: Date!, $to: Date!) {
      scorecard(personId: $id, period: MONTH) { behaviors { key indicators { metricKey kind actual status } } }
      series(metric: "observed_level:discovery", from: $from, to: $to, grain: DAY, personId: $id) {
        starts numerators denominators } }"""
    async with wired.client(tenant.api_key) as client:
        for seller in sellers:
            mine = {d: v for (p, k, d), v in want.items() if str(p) == seller and k == "observed_level:discovery"}
            body = (await client.post("/graphql", json={"query": query, "variables": {
                "id": seller, "from": (today - timedelta(days=25)).isoformat(), "to": today.isoformat()}})).json()
            assert "errors" not in body, body
            [card] = body["data"]["scorecard"]["behaviors"]
            [indicator] = card["indicators"]
            this_month = [v for d, v in mine.items() if d >= month]
            levels, count = sum(v[0] for v in this_month), sum(v[1] for v in this_month)
            assert (indicator["metricKey"], indicator["kind"]) == ("observed_level:discovery", "PROFICIENCY")
            assert indicator["actual"] == (pytest.approx(levels / count) if count else None)
            series = body["data"]["series"]
            got = {date.fromisoformat(d): (n, e) for d, n, e in zip(series["starts"], series["numerators"],
                                                                    series["denominators"], strict=True) if e}
            assert got == mine

        progress = """query($id: ID!) { goals(sellerId: $id) { items { id progress { metricKey kind actual } } } }"""

        async def measured() -> Any:
            body = (await client.post("/graphql", json={"query": progress, "variables": {"id": sellers[0]}})).json()
            assert "errors" not in body, body
            [goal] = body["data"]["goals"]["items"]
            assert goal["id"] == done["goals"][0]["id"]
            return goal["progress"]  # null until the agreed goal reaches the metrics read model

        goal: dict[str, Any] = await eventually(measured)
    first = [v for (p, k, d), v in want.items() if str(p) == sellers[0] and k == "observed_level:discovery"
             and d >= month]
    assert (goal["metricKey"], goal["kind"]) == ("observed_level:discovery", "PROFICIENCY")
    assert goal["actual"] == pytest.approx(sum(v[0] for v in first) / sum(v[1] for v in first))
