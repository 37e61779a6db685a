"""Observed proficiency: `observed_level:<behaviour key>`, the average rubric level coaches observed on a behaviour
per seller and UTC day, kept in the daily aggregates from the sessions the read model holds — equal to a
brute-force recount after corrections (sessions re-observed, cancelled, deleted, replayed out of order), and a
metric like the others: listed, in series, as an indicator on scorecards and adoption, in impact, with its
evidence."""

import random
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.metrics.aggregates import Tally
from services.metrics.catalogue import CATALOGUE, Metrics, family_member, observed_level
from services.metrics.coaching_facts import session_facts
from services.metrics.models import MetricDaily
from tests.conftest import Tenant
from tests.metrics.conftest import MetricsDb
from tests.metrics.test_scorecards import put

KEYS = ("discovery", "exec.sponsor-map", "next-steps")
TOO_LONG = "a" * 50  # observed_level:<50 characters> is longer than a metric key may be: not kept
Figures = dict[tuple[uuid.UUID, str, date], tuple[float, float]]


def recount(sessions: dict[uuid.UUID, dict[str, Any]]) -> Figures:
    """Per (seller, observed_level:<key>, UTC day held): (Σ levels, observations) of the completed sessions as
    last written (a tombstone, or a session not completed, observed nothing), written out again here."""
    cells: dict[tuple[uuid.UUID, str, date], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for s in sessions.values():
        if s.get("deleted") or s["status"] != "completed":
            continue
        held = datetime.fromisoformat(s["held_at"]).astimezone(UTC).date()
        for o in s.get("observations", []):
            key = "observed_level:" + o["behavior_key"]
            if len(key) <= 64:
                cells[(uuid.UUID(s["seller_id"]), key, held)][0] += o["level"]
                cells[(uuid.UUID(s["seller_id"]), key, held)][1] += 1
    return {k: (v[0], v[1]) for k, v in cells.items()}


async def stored(mdb: MetricsDb, tenant: Tenant) -> Figures:
    m = MetricDaily
    rows = await mdb.all(select(m.person_id, m.metric_key, m.day, m.num, m.den).where(
        m.tenant_id == tenant.id, m.metric_key.like("observed%")))
    return {(p, k, d): (n, e) for p, k, d, n, e in rows if n or e}


def observations(rnd: random.Random, n: int | None = None) -> list[dict[str, Any]]:
    count = rnd.choice([0, 1, 1, 2, 3]) if n is None else n
    return [{"behavior_key": rnd.choice((*KEYS, TOO_LONG)), "level": rnd.randint(1, 5)} for _ in range(count)]


# ---- pure ---------------------------------------------------------------------------------------

def test_a_family_member_is_named_by_its_behaviour_key_only_within_a_metric_keys_length() -> None:
    member = family_member("observed_level:exec.sponsor-map")
    assert member is not None and member.key == "observed_level:exec.sponsor-map"
    assert (member.kind, member.aggregation, member.source, member.types) == (
        "proficiency", "average", "coaching", ("behavior_observed",))
    assert member.contribution("behavior_observed", {"behavior_key": "exec.sponsor-map", "level": 4}, 4.0) == (4, 1)
    assert member.contribution("behavior_observed", {"behavior_key": "discovery", "level": 4}, 4.0) is None
    for key in ("observed_level", "observed_level:", "observed_level:Discovery", "observed_level:x",
                "observed_level:" + TOO_LONG, "observed_levels:discovery", "calls:discovery"):
        assert family_member(key) is None, key
    assert "observed_level" not in CATALOGUE and Metrics.of([]).get("observed_level:discovery") == family_member(
        "observed_level:discovery")
    assert observed_level("discovery") == "observed_level:discovery"


def test_a_sessions_observations_count_for_its_seller_on_the_day_held_once_completed() -> None:
    at = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    coach, seller = uuid.uuid4(), uuid.uuid4()
    session = {"id": uuid.uuid4(), "coach_id": coach, "seller_id": seller, "programme_id": None,
               "status": "completed", "scheduled_at": at, "held_at": at, "relevant": None, "developmental": None,
               "motivational": None, "has_agreed_action": False, "focus_keys": [], "deleted": False,
               "observations": [{"behavior_key": "discovery", "level": 2}, {"behavior_key": "discovery", "level": 5},
                                {"behavior_key": "next-steps", "level": 3}, {"behavior_key": TOO_LONG, "level": 1}]}
    tally = Tally.of(Metrics.of([]), "coaching")
    for f in session_facts(session):
        tally.add(f["person_id"], f["at"], f["type"], f["attributes"], f["amount"])
    day = date(2026, 3, 2)
    mine = {(k, d): (n, e) for p, k, d, n, e in tally.rows() if k.startswith("observed") and p == seller}
    assert mine == {("observed_level:discovery", day): (7.0, 2.0), ("observed_level:next-steps", day): (3.0, 1.0)}
    assert len({f["id"] for f in session_facts(session)}) == len(session_facts(session))  # one fact each
    for status in ("scheduled", "cancelled", "no_show"):
        assert not [f for f in session_facts({**session, "status": status}) if f["type"] == "behavior_observed"]
    assert session_facts({**session, "deleted": True}) == []


# ---- through the read model's internal API ------------------------------------------------------

async def test_observed_levels_equal_a_recount_after_corrections(metrics: httpx.AsyncClient, tenant: Tenant,
                                                                mdb: MetricsDb) -> None:
    """Sessions written, then corrected: observations changed, a completed session cancelled or deleted, a session
    held on another day; older versions replayed after newer ones. The aggregates equal a recount of the last
    version of each, and every series (day grain) of every seller and behaviour equals it too."""
    rnd = random.Random(11)
    today = datetime.now(UTC).date()
    coach, sellers = uuid.uuid4(), [uuid.uuid4() for _ in range(5)]
    await put(metrics, "people", [{"id": str(p), "version": 1, "name": f"P{n}", "roles": ["seller"]}
                                  for n, p in enumerate([coach, *sellers])])
    latest: dict[uuid.UUID, dict[str, Any]] = {}
    history: list[dict[str, Any]] = []
    for _ in range(60):
        sid = uuid.uuid4()
        when = datetime.combine(today - timedelta(days=rnd.randint(1, 40)), time(rnd.randint(0, 23)), UTC)
        item: dict[str, Any] = {
            "id": str(sid), "version": 1, "coach_id": str(coach), "seller_id": str(rnd.choice(sellers)),
            "status": "completed", "scheduled_at": when.isoformat(), "held_at": when.isoformat(),
            "observations": observations(rnd)}
        latest[sid] = item
        history.append(item)
    await put(metrics, "sessions", history)
    assert await stored(mdb, tenant) == recount(latest)

    corrections: list[dict[str, Any]] = []
    for sid, item in list(latest.items()):
        step = rnd.random()
        if step < 0.25:
            new = {**item, "version": 2, "observations": observations(rnd, rnd.randint(0, 3))}
        elif step < 0.35:
            new = {**item, "version": 2, "status": "cancelled", "held_at": None}
        elif step < 0.45:
            new = {**item, "version": 2, "deleted": True}
        elif step < 0.55:
            held = datetime.fromisoformat(item["held_at"]) + timedelta(hours=rnd.choice((3, 30)))
            new = {**item, "version": 2, "held_at": min(held, datetime.now(UTC)).isoformat()}
        else:
            continue
        latest[sid] = new
        corrections.append(new)
    rnd.shuffle(corrections)
    await put(metrics, "sessions", corrections)
    await put(metrics, "sessions", rnd.sample(history, 20))  # older versions replayed: nothing changes
    want = recount(latest)
    assert await stored(mdb, tenant) == want
    assert {k for _, k, _ in want} == {"observed_level:" + k for k in KEYS}

    first, last = today - timedelta(days=45), today
    for seller in sellers:
        for key in KEYS:
            r = await metrics.get("/v1/series", params={"metric": f"observed_level:{key}", "person_id": str(seller),
                                                        "grain": "day", "from": first.isoformat(),
                                                        "to": last.isoformat()})
            assert r.status_code == 200, r.text
            series = r.json()
            got = {date.fromisoformat(d): (n, e) for d, n, e in zip(series["starts"], series["numerators"],
                                                                    series["denominators"], strict=True) if e}
            assert got == {d: v for (p, k, d), v in want.items() if p == seller and k == f"observed_level:{key}"}
            for start, value in zip(map(date.fromisoformat, series["starts"]), series["values"], strict=True):
                assert value == (pytest.approx(got[start][0] / got[start][1]) if start in got else None)


async def test_an_indicator_on_observed_level_shows_on_scorecards_adoption_series_and_its_evidence(
        metrics: httpx.AsyncClient) -> None:
    """A behaviour measured by the level observed on it (kind proficiency, target 3): each seller's scorecard
    shows their own average over the last 28 days, the team's is pooled (Σ levels / observations), adoption
    counts who meets it, and the evidence lists the observations behind a value."""
    today = datetime.now(UTC).date()
    manager, sellers = uuid.uuid4(), [uuid.uuid4() for _ in range(4)]
    await put(metrics, "people", [{"id": str(manager), "version": 1, "name": "M", "roles": ["manager"]},
                                  *({"id": str(s), "version": 1, "name": f"S{n}", "roles": ["seller"]}
                                    for n, s in enumerate(sellers))])
    await put(metrics, "reporting-lines", [{"id": str(uuid.uuid4()), "version": 1, "person_id": str(s),
                                            "manager_id": str(manager), "valid_from": "2020-01-01"} for s in sellers])
    await put(metrics, "behaviors", [{
        "id": str(uuid.uuid4()), "version": 1, "key": "discovery", "name": "Discovery", "status": "active",
        "audience": ["seller"], "indicators": [{"id": str(uuid.uuid4()), "metric_key": "observed_level:discovery",
                                                "kind": "proficiency", "target": 3, "period": "month"}]}])
    levels = {sellers[0]: [4, 3], sellers[1]: [2, 2, 3], sellers[2]: [5], sellers[3]: []}
    old = {sellers[0]: [1]}  # before the window: not in this period's figures, only in the previous one's
    sessions = []
    for seller, days_ago, found in ([(s, 3 + n, lv) for s, lvs in levels.items() for n, lv in enumerate(lvs)]
                                    + [(s, 40, lv) for s, lvs in old.items() for lv in lvs]):
        held = datetime.combine(today - timedelta(days=days_ago), time(10), UTC)
        sessions.append({"id": str(uuid.uuid4()), "version": 1, "coach_id": str(manager), "seller_id": str(seller),
                         "status": "completed", "scheduled_at": held.isoformat(), "held_at": held.isoformat(),
                         "observations": [{"behavior_key": "discovery", "level": found},
                                          {"behavior_key": "next-steps", "level": 1}]})
    await put(metrics, "sessions", sessions)

    def card(scorecard: dict[str, Any]) -> dict[str, Any]:
        [behavior] = scorecard["behaviors"]
        [indicator] = behavior["indicators"]
        assert (behavior["key"], indicator["metric_key"], indicator["kind"]) == (
            "discovery", "observed_level:discovery", "proficiency")
        return dict(indicator)

    for seller, lvs in levels.items():
        r = await metrics.get("/v1/scorecard", params={"person_id": str(seller), "period": "last_28_days"})
        assert r.status_code == 200, r.text
        got = card(r.json())
        assert got["actual"] == (pytest.approx(sum(lvs) / len(lvs)) if lvs else None), seller
        assert got["expected"] == 3
        assert got["status"] == ("no_data" if not lvs else "on_track" if sum(lvs) / len(lvs) >= 3 else "off_track")
    r = await metrics.get("/v1/scorecard", params={"team_of": str(manager), "period": "last_28_days"})
    everything = [lv for lvs in levels.values() for lv in lvs]
    assert card(r.json())["actual"] == pytest.approx(sum(everything) / len(everything))  # pooled
    assert card(r.json())["previous_actual"] == pytest.approx(1.0)

    r = await metrics.get("/v1/adoption", params={"behavior_key": "discovery", "team_of": str(manager),
                                                  "period": "last_28_days"})
    assert r.status_code == 200, r.text
    [row] = r.json()["indicators"]
    assert (row["metric_key"], row["meeting"], row["share"]) == ("observed_level:discovery", 2, 0.5)

    window = {"from": (today - timedelta(days=27)).isoformat(), "to": today.isoformat()}
    r = await metrics.get("/v1/series", params={"metric": "observed_level:discovery", "team_of": str(manager),
                                                "grain": "month", **window})
    series = r.json()
    assert (sum(series["numerators"]), sum(d or 0 for d in series["denominators"])) == (sum(everything),
                                                                                       len(everything))
    r = await metrics.get("/v1/evidence", params={"metric": "observed_level:discovery", "person_id": str(sellers[1]),
                                                  **window})
    assert r.status_code == 200, r.text
    listed = r.json()["items"]
    assert sorted(e["amount"] for e in listed) == [2, 2, 3]
    assert {(e["type"], e["attributes"]["behavior_key"]) for e in listed} == {("behavior_observed", "discovery")}


async def test_observed_level_is_listed_read_and_protected_like_a_built_in_metric(metrics: httpx.AsyncClient) -> None:
    await put(metrics, "behaviors", [{
        "id": str(uuid.uuid4()), "version": 1, "key": "discovery", "name": "Discovery", "status": "active",
        "audience": ["seller"], "indicators": [{"id": str(uuid.uuid4()), "metric_key": "calls", "kind": "activity",
                                                "target": 3}]}])
    listed = {m["key"]: m for m in (await metrics.get("/v1/metrics")).json()["items"]}
    assert listed["observed_level:discovery"]["unit"] == "rubric level"
    assert listed["observed_level:discovery"]["builtin"] is True
    asked = (await metrics.get("/v1/metrics", params={"keys": ["observed_level:next-steps", "calls"]})).json()
    assert [m["key"] for m in asked["items"]] == ["calls", "observed_level:next-steps"]
    one = await metrics.get("/v1/metrics/observed_level:next-steps")
    assert one.status_code == 200 and one.json()["name"] == "Observed level of next-steps"
    assert one.json()["filters"] == {"behavior_key": ["next-steps"]}
    assert (await metrics.get("/v1/metrics/observed_level:")).status_code == 404
    taken = await metrics.post("/v1/metrics", json={"key": "observed_level", "name": "x", "kind": "activity",
                                                    "aggregation": "count", "types": ["call"]})
    assert taken.status_code == 409 and taken.headers["content-type"] == "application/problem+json"
    assert (await metrics.delete("/v1/metrics/observed_level:discovery")).status_code == 409
    bad = await metrics.get("/v1/impact", params={"metric": "observed_level:Nope", "course_id": "X"})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    bad = await metrics.put("/v1/internal/sessions", json={"items": [{
        "id": str(uuid.uuid4()), "version": 1, "coach_id": str(uuid.uuid4()), "seller_id": str(uuid.uuid4()),
        "status": "completed", "scheduled_at": "2026-03-02T10:00:00Z", "held_at": "2026-03-02T10:00:00Z",
        "observations": [{"behavior_key": "discovery", "level": 11}]}]})
    assert bad.status_code == 200 and bad.json()["rejected"] == 1


async def test_impact_on_observed_level_recovers_a_planted_rise(metrics: httpx.AsyncClient) -> None:
    """Sellers paired in a programme are observed one rubric level higher after joining; the difference in
    differences on observed_level finds it, pooled or per person."""
    rnd = random.Random(5)
    today = datetime.now(UTC).date()
    sellers = [uuid.uuid4() for _ in range(30)]
    coach = uuid.uuid4()
    programme = uuid.uuid4()
    await put(metrics, "people", [{"id": str(p), "version": 1, "name": f"S{n}", "roles": ["seller"]}
                                  for n, p in enumerate(sellers)])
    joined = {p: today - timedelta(days=50 + rnd.randint(-4, 4)) for p in sellers[:10]}
    await put(metrics, "programme-participants", [
        {"id": str(uuid.uuid4()), "version": 1, "programme_id": str(programme), "person_id": str(p),
         "joined_on": d.isoformat()} for p, d in joined.items()])
    sessions = []
    for p in sellers:
        base = rnd.choice((2, 3))
        for d in range(1, 110, 3):
            day = today - timedelta(days=d)
            level = base + rnd.choice((-1, 0, 0, 1)) + (1 if p in joined and day >= joined[p] else 0)
            held = datetime.combine(day, time(10), UTC)
            sessions.append({"id": str(uuid.uuid4()), "version": 1, "coach_id": str(coach), "seller_id": str(p),
                             "status": "completed", "scheduled_at": held.isoformat(), "held_at": held.isoformat(),
                             "observations": [{"behavior_key": "discovery", "level": level}]})
    for i in range(0, len(sessions), 1000):
        await put(metrics, "sessions", sessions[i:i + 1000])

    for weighting in ("deals", "persons"):
        r = await metrics.get("/v1/impact", params={"metric": "observed_level:discovery", "window_days": 28,
                                                    "programme_id": str(programme), "weighting": weighting})
        assert r.status_code == 200, r.text
        found = r.json()
        assert found["metric"] == "observed_level:discovery" and found["treated_size"] == 10
        assert found["low"] <= 1.0 <= found["high"] and found["low"] > 0, found
