"""Scorecards and adoption against a brute-force recomputation from the raw generated events."""

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from common.auth import issue_person_token
from services.metrics.periods import Period, period_of, scaled_target
from tests.conftest import JWT_SECRET, Stack, Tenant

TODAY = date.min  # set per test by `_dates`
START = date.min  # set per test by `_dates`
REORG = date.min  # set per test by `_dates`


def set_dates() -> None:
    """Dates taken when each test starts, not at import: a suite that runs past midnight UTC would
    otherwise compare yesterday's dates with the service's today. Modules that borrow this module's
    helpers call it too."""
    global TODAY, START, REORG
    TODAY = datetime.now(UTC).date()
    START = TODAY - timedelta(days=100)
    REORG = TODAY - timedelta(days=30)


@pytest.fixture(autouse=True)
def _dates() -> None:
    set_dates()

@dataclass
class Org:
    manager: uuid.UUID
    other_manager: uuid.UUID
    sellers: list[uuid.UUID]
    lines: list[tuple[uuid.UUID, uuid.UUID, date, date | None]]  # person, manager, from, to (exclusive)
    events: list[tuple[uuid.UUID, str, date]]  # person, type, day
    roles: dict[uuid.UUID, list[str]]

    def team(self, manager: uuid.UUID, day: date) -> list[uuid.UUID]:
        direct = [p for p, m, a, b in self.lines if m == manager and a <= day and (b is None or day < b)]
        return sorted(set(direct) | {q for p in direct for q in self.team(p, day)})


BEHAVIORS: list[dict[str, Any]] = [
    {"key": "exec-meetings", "name": "Meet executives", "status": "active", "audience": ["seller"], "indicators": [
        {"metric_key": "meetings", "kind": "activity", "target": 3, "period": "week"},
        {"metric_key": "win_rate", "kind": "proficiency", "target": 0.4, "period": "month"},
        {"metric_key": "emails", "kind": "activity", "target": 20, "comparator": "lte", "period": "week"}]},
    {"key": "coach-weekly", "name": "Coach every week", "status": "active", "audience": ["manager"],
     "indicators": [{"metric_key": "calls", "kind": "activity", "target": 4, "period": "week"}]},
    {"key": "not-yet", "name": "A draft", "status": "draft", "audience": ["seller"],
     "indicators": [{"metric_key": "demos", "kind": "activity", "target": 1, "period": "week"}]},
]


def at(day: date) -> str:
    return datetime.combine(day, time(12), tzinfo=UTC).isoformat()


async def put(client: httpx.AsyncClient, path: str, items: list[dict[str, Any]]) -> None:
    r = await client.put(f"/v1/internal/{path}", json={"items": items})
    assert r.status_code == 200, r.text
    assert r.json()["rejected"] == 0, r.json()


async def build(metrics: httpx.AsyncClient, seed: int = 7) -> Org:
    rnd = random.Random(seed)
    manager, other = uuid.uuid4(), uuid.uuid4()
    sellers = [uuid.uuid4() for _ in range(6)]
    roles = {manager: ["manager"], other: ["manager", "seller"], **{s: ["seller"] for s in sellers}}
    await put(metrics, "people", [{"id": str(p), "version": 1, "name": f"P{n}", "roles": r}
                                  for n, (p, r) in enumerate(roles.items())])
    lines: list[tuple[uuid.UUID, uuid.UUID, date, date | None]] = []
    for n, s in enumerate(sellers):
        if n < 3:
            lines.append((s, manager, START, None))
        elif n == 3:  # moves from the other manager to ours at the reorg
            lines += [(s, other, START, REORG), (s, manager, REORG, None)]
        else:
            lines.append((s, other, START, None))
    lines.append((other, manager, START + timedelta(days=50), None))  # a manager under our manager, later on
    await put(metrics, "reporting-lines", [
        {"id": str(uuid.uuid4()), "version": 1, "person_id": str(p), "manager_id": str(m),
         "valid_from": a.isoformat(), "valid_to": b.isoformat() if b else None} for p, m, a, b in lines])
    await put(metrics, "behaviors", [{"id": str(uuid.uuid4()), "version": 1, **b, "indicators": [
        {"id": str(uuid.uuid4()), **i} for i in b["indicators"]]} for b in BEHAVIORS])
    events: list[tuple[uuid.UUID, str, date]] = []
    for person in [*sellers, manager, other]:
        rate = rnd.uniform(0.2, 1.0)
        for d in range(101):
            day = START + timedelta(days=d)
            for kind, p in (("meeting", rate * 0.7), ("email", rate * 4), ("call", rate),
                            ("opportunity_won", 0.1), ("opportunity_lost", 0.15)):
                for _ in range(int(p) + (rnd.random() < p - int(p))):
                    events.append((person, kind, day))
    items = [{"external_id": f"e{n}", "source": "salesforce", "type": kind, "person_id": str(person),
              "occurred_at": at(day), "source_updated_at": at(day)} for n, (person, kind, day) in enumerate(events)]
    await push(metrics, items)
    # the CRM sends it all again: a tenth edited (another type or day, a newer source_updated_at), the rest
    # replayed as they were — aggregates must follow the edits exactly and ignore the replays
    kinds = ("meeting", "email", "call", "opportunity_won", "opportunity_lost")
    for n, item in enumerate(items):
        if rnd.random() < 0.1:
            person, _, day = events[n]
            kind, moved = rnd.choice(kinds), day - timedelta(days=rnd.randint(0, 3))
            events[n] = (person, kind, moved)
            item.update(type=kind, occurred_at=at(moved),
                        source_updated_at=at(day + timedelta(days=1)))
    counts = await push(metrics, items)
    assert counts["updated"] > 0 and counts["duplicate"] > 0 and counts["created"] == 0
    return Org(manager, other, sellers, lines, events, roles)


async def push(metrics: httpx.AsyncClient, items: list[dict[str, Any]]) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "duplicate": 0}
    for i in range(0, len(items), 5000):
        r = await metrics.post("/v1/activities", json={"items": items[i:i + 5000]})
        assert r.status_code == 200 and r.json()["rejected"] == 0 and r.json()["conflict"] == 0, r.text
        for k in counts:
            counts[k] += r.json()[k]
    return counts


# ---- the brute force ---------------------------------------------------------------------------

def count(org: Org, people: Sequence[uuid.UUID], kinds: tuple[str, ...], first: date, last: date) -> int:
    return sum(1 for p, k, d in org.events if p in people and k in kinds and first <= d <= last)


def elapsed_end(p: Period) -> date:
    return min(p.end, TODAY)


def actual(org: Org, indicator: dict[str, Any], people: Sequence[uuid.UUID], p: Period) -> float | None:
    if not people:
        return None
    last = elapsed_end(p)
    if indicator["metric_key"] == "win_rate":
        won = count(org, people, ("opportunity_won",), p.start, last)
        closed = won + count(org, people, ("opportunity_lost",), p.start, last)
        return won / closed if closed else None
    kind = {"meetings": "meeting", "emails": "email", "calls": "call"}[indicator["metric_key"]]
    return count(org, people, (kind,), p.start, last) / len(people)


def expected(indicator: dict[str, Any], p: Period) -> float:
    days = (elapsed_end(p) - p.start).days + 1
    if indicator["kind"] == "activity":
        return scaled_target(indicator["target"], indicator["period"], days)
    return float(indicator["target"])


def status(value: float | None, target: float, comparator: str) -> str:
    if value is None:
        return "no_data"
    if comparator == "lte":
        return "on_track" if value <= target else "at_risk" if value <= 1.2 * target else "off_track"
    return "on_track" if value >= target else "at_risk" if value >= 0.8 * target else "off_track"


def audience(org: Org, people: Sequence[uuid.UUID], behavior: dict[str, Any]) -> list[uuid.UUID]:
    return [p for p in people if set(org.roles[p]) & set(behavior["audience"])]


def check_card(org: Org, card: dict[str, Any], people: list[uuid.UUID], before: list[uuid.UUID],
               p: Period, prev: Period | None = None) -> None:
    prev = prev or p.previous()
    assert {b["key"] for b in card["behaviors"]} == {b["key"] for b in BEHAVIORS if b["status"] == "active"
                                                      and (audience(org, people, b) or audience(org, before, b))}
    for b in card["behaviors"]:
        spec = next(x for x in BEHAVIORS if x["key"] == b["key"])
        members, members_before = audience(org, people, spec), audience(org, before, spec)
        for got, want in zip(b["indicators"], sorted(spec["indicators"], key=lambda i: i["metric_key"]),
                             strict=True):
            assert got["metric_key"] == want["metric_key"]
            value, target = actual(org, want, members, p), expected(want, p)
            assert got["actual"] == pytest.approx(value), (b["key"], got)
            assert got["expected"] == pytest.approx(target)
            assert got["status"] == (status(value, target, want.get("comparator", "gte")) if members else "no_data")
            assert got["previous_actual"] == pytest.approx(actual(org, want, members_before, prev))
            assert got["members"] == len(members)
            assert got["meeting"] == sum(status(actual(org, want, [m], p), target, want.get("comparator", "gte"))
                                         == "on_track" for m in members)


# ---- the tests ---------------------------------------------------------------------------------

@pytest.fixture
async def org(metrics: httpx.AsyncClient) -> Org:
    return await build(metrics)


@pytest.mark.parametrize("kind", ["week", "month", "quarter"])
async def test_person_and_team_scorecards_equal_the_brute_force(metrics, org, kind):
    for on in (TODAY, TODAY - timedelta(days=35)):  # a running period and a finished one
        p = period_of(on, kind)
        for person in (org.sellers[0], org.sellers[3], org.other_manager):
            r = await metrics.get("/v1/scorecard", params={"person_id": str(person), "period": kind,
                                                            "on": on.isoformat()})
            assert r.status_code == 200, r.text
            card = r.json()
            assert (card["period"]["start"], card["period"]["end"]) == (p.start.isoformat(), p.end.isoformat())
            check_card(org, card, [person], [person], p)
        r = await metrics.get("/v1/scorecard", params={"team_of": str(org.manager), "period": kind,
                                                        "on": on.isoformat()})
        assert r.status_code == 200, r.text
        card = r.json()
        team, team_before = org.team(org.manager, p.start), org.team(org.manager, p.previous().start)
        assert card["members"] == [str(m) for m in team]
        check_card(org, card, team, team_before, p)


ROLLING = {"last_7_days": 7, "last_28_days": 28, "last_90_days": 90}


def rolling(kind: str, on: date) -> tuple[Period, Period]:
    """The last n days ending on `on` and the n days before them, written out here on purpose."""
    n = ROLLING[kind]
    return (Period(kind, on - timedelta(days=n - 1), on),  # type: ignore[arg-type]
            Period(kind, on - timedelta(days=2 * n - 1), on - timedelta(days=n)))  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", list(ROLLING))
async def test_rolling_scorecards_equal_the_brute_force(metrics, org, kind):
    """A rolling period holds its n days whatever the day of the month (the 1st included); its trend and
    previous actual are the equal window just before."""
    for on in (TODAY, TODAY.replace(day=1), TODAY - timedelta(days=35)):
        p, prev = rolling(kind, on)
        for person in (org.sellers[0], org.sellers[3], org.other_manager):
            r = await metrics.get("/v1/scorecard", params={"person_id": str(person), "period": kind,
                                                            "on": on.isoformat()})
            assert r.status_code == 200, r.text
            card = r.json()
            assert card["period"] == {"kind": kind, "start": p.start.isoformat(), "end": on.isoformat(),
                                      "days": ROLLING[kind], "elapsed_days": ROLLING[kind]}
            assert (card["previous"]["start"], card["previous"]["end"]) == (prev.start.isoformat(),
                                                                            prev.end.isoformat())
            check_card(org, card, [person], [person], p, prev)
            # a whole window: the weekly target of 3 meetings taken over all n days
            meetings = next(i for b in card["behaviors"] for i in b["indicators"] if i["metric_key"] == "meetings")
            assert meetings["expected"] == pytest.approx(3 * ROLLING[kind] / 7)
        r = await metrics.get("/v1/scorecard", params={"team_of": str(org.manager), "period": kind,
                                                        "on": on.isoformat()})
        assert r.status_code == 200, r.text
        team, team_before = org.team(org.manager, p.start), org.team(org.manager, prev.start)
        assert r.json()["members"] == [str(m) for m in team]
        check_card(org, r.json(), team, team_before, p, prev)
        batch = await metrics.get("/v1/scorecards", params={"person_ids": [str(org.sellers[0])], "period": kind,
                                                             "on": on.isoformat()})
        assert batch.status_code == 200 and batch.json()[0]["period"]["start"] == p.start.isoformat()


async def test_rolling_adoption_equals_the_brute_force(metrics, org):
    spec = BEHAVIORS[0]
    p, _ = rolling("last_28_days", TODAY)
    r = await metrics.get("/v1/adoption", params={"behavior_key": "exec-meetings", "period": "last_28_days",
                                                  "team_of": str(org.manager)})
    assert r.status_code == 200, r.text
    members = audience(org, org.team(org.manager, p.start), spec)
    assert r.json()["audience"] == [str(m) for m in members]
    assert r.json()["period"]["days"] == 28
    for got in r.json()["indicators"]:
        want = next(i for i in spec["indicators"] if i["metric_key"] == got["metric_key"])
        target = expected(want, p)
        meeting = sum(status(actual(org, want, [m], p), target, want.get("comparator", "gte")) == "on_track"
                      for m in members)
        assert (got["meeting"], got["share"]) == (meeting, pytest.approx(meeting / len(members)))


async def test_adoption_equals_the_brute_force(metrics, org):
    spec = BEHAVIORS[0]
    for team_of in (org.manager, None):
        params = {"behavior_key": "exec-meetings", "period": "month", "on": (TODAY - timedelta(days=40)).isoformat()}
        if team_of:
            params["team_of"] = str(team_of)
        r = await metrics.get("/v1/adoption", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        p = period_of(TODAY - timedelta(days=40), "month")
        people = org.team(team_of, p.start) if team_of else sorted(org.roles)
        members = audience(org, people, spec)
        assert body["audience"] == [str(m) for m in members]
        for got in body["indicators"]:
            want = next(i for i in spec["indicators"] if i["metric_key"] == got["metric_key"])
            target = expected(want, p)
            meeting = sum(status(actual(org, want, [m], p), target, want.get("comparator", "gte")) == "on_track"
                          for m in members)
            assert (got["meeting"], got["share"]) == (meeting, pytest.approx(meeting / len(members)))


async def test_who_may_see_which_scorecard_and_bad_input(stack: Stack, tenant: Tenant, metrics, org):
    def client(person: uuid.UUID, *roles: str) -> httpx.AsyncClient:
        token = issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=person, roles=list(roles))
        c = stack.client(token)
        c.base_url = httpx.URL("http://uplift/api/metrics")
        return c

    seller, colleague = org.sellers[0], org.sellers[1]
    async with client(seller, "seller") as me, client(org.manager, "manager") as boss, \
            client(org.other_manager, "manager") as other:
        assert (await me.get("/v1/scorecard", params={"person_id": str(seller)})).status_code == 200
        assert (await me.get("/v1/scorecard", params={"person_id": str(colleague)})).status_code == 403
        assert (await me.get("/v1/scorecard", params={"team_of": str(org.manager)})).status_code == 403
        assert (await boss.get("/v1/scorecard", params={"person_id": str(colleague)})).status_code == 200
        assert (await boss.get("/v1/scorecard", params={"team_of": str(org.manager)})).status_code == 200
        assert (await other.get("/v1/scorecard", params={"person_id": str(seller)})).status_code == 403
        assert (await me.get("/v1/adoption", params={"behavior_key": "exec-meetings"})).status_code == 403
        # batches leave out whom the caller may not see; single asks are refused
        window = {"metric": "calls", "from": (TODAY - timedelta(days=7)).isoformat(), "to": TODAY.isoformat()}
        r = await me.get("/v1/series", params={**window, "person_ids": [str(seller), str(colleague)]})
        assert r.status_code == 200 and [i["person_id"] for i in r.json()["items"]] == [str(seller)]
        assert (await me.get("/v1/series", params={**window, "person_id": str(colleague)})).status_code == 403
        r = await me.get("/v1/scorecards", params={"person_ids": [str(seller), str(colleague)]})
        assert r.status_code == 200 and [c["person_id"] for c in r.json()] == [str(seller)]
    bad = [({"person_id": str(seller), "team_of": str(org.manager)}, 422), ({}, 422),
           ({"person_id": "nope"}, 422), ({"person_id": str(seller), "period": "year"}, 422),
           ({"person_id": str(seller), "period": "last_28_days", "on": "0001-01-10"}, 422),
           ({"person_id": str(seller), "period": "last_7_days", "on": "0001-01-10"}, 422),  # no week before
           ({"person_id": str(uuid.uuid4())}, 404)]
    for params, code in bad:
        r = await metrics.get("/v1/scorecard", params=params)
        assert r.status_code == code and r.headers["content-type"] == "application/problem+json", (params, r.text)
    r = await metrics.get("/v1/adoption", params={"behavior_key": "not-yet"})
    assert r.status_code == 404  # a draft has no adoption
    r = await metrics.get("/v1/adoption", params={"behavior_key": "exec-meetings",
                                                  "on": (TODAY + timedelta(days=40)).isoformat()})
    assert r.status_code == 422
