"""The "Done when" core for the metrics service, end to end over REST on a realistic org.

A leader over three managers with five sellers each; a reorg in the middle (two sellers move from the first
team to the second, one from the third to the first, effective on a Thursday). Seeded activities and
completions are pushed twice — the second time some records are edited (newer `source_updated_at`), some
changed without a newer stamp (conflicts, ignored), the rest replayed — part of them naming people by CRM
user id or email the directory only learns between the pushes. Two tenant metrics are defined in between.
Then every series value — each person and each team (the tree as it was at each period's start), at day,
week and month grain, for every metric — must equal a brute-force recount from the raw generated events
(tests/metrics/brute.py).
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.metrics.brute import ACTIVITY_METRICS, Evidence, Item, figure, periods, team_on

FIRST, LAST = date(2026, 3, 1), date(2026, 6, 30)
REORG = date(2026, 5, 14)  # a Thursday
TYPES = ["call", "call", "email", "email", "meeting", "meeting", "demo", "proposal", "visit", "opportunity_created",
         "opportunity_won", "opportunity_lost", "stage_change"]
EXTRA = {
    "exec_meetings": (lambda a: a["type"] == "meeting"
                      and a["attributes"].get("contact_level") in ("c_level", "vp"), None),
    "emea_deal_size": (lambda a: a["type"] == "opportunity_won" and a["attributes"].get("region") == "emea"
                       and a.get("amount") is not None, "average"),
}
EXTRA_RATIOS = {"exec_meeting_share": ("exec_meetings", "meetings")}
TENANT_METRICS = [
    {"key": "exec_meetings", "name": "Executive meetings", "kind": "activity", "aggregation": "count",
     "types": ["meeting"], "filters": {"contact_level": ["c_level", "vp"]}},
    {"key": "emea_deal_size", "name": "EMEA deal size", "kind": "proficiency", "aggregation": "average",
     "types": ["opportunity_won"], "filters": {"region": "emea"}, "field": "amount"},
    {"key": "exec_meeting_share", "name": "Share of executive meetings", "kind": "proficiency",
     "aggregation": "ratio", "numerator": "exec_meetings", "denominator": "meetings"},
]
METRICS = [*ACTIVITY_METRICS, "win_rate", "proposal_to_win", "training_completions", *EXTRA, *EXTRA_RATIOS]


@dataclass
class Org:
    leader: str
    managers: list[str]
    sellers: list[str]
    lines: list[Item] = field(default_factory=list)
    crm_ids: dict[str, str] = field(default_factory=dict)  # seller → salesforce user id
    lms_ids: dict[str, str] = field(default_factory=dict)  # seller → LMS user id
    emails: dict[str, str] = field(default_factory=dict)

    def team_of(self, seller: str, day: date) -> str:
        return next(ln["manager_id"] for ln in self.lines if ln["person_id"] == seller
                    and date.fromisoformat(ln["valid_from"]) <= day
                    and (ln.get("valid_to") is None or day < date.fromisoformat(ln["valid_to"])))


def build_org(rnd: random.Random) -> Org:
    ids = [str(uuid.UUID(int=rnd.getrandbits(128))) for _ in range(19)]
    org = Org(ids[0], ids[1:4], ids[4:])
    line = lambda person, manager, start="2025-01-01", end=None: {  # noqa: E731
        "id": str(uuid.UUID(int=rnd.getrandbits(128))), "version": 1, "person_id": person, "manager_id": manager,
        "valid_from": start, **({"valid_to": end} if end else {})}
    org.lines += [line(m, org.leader) for m in org.managers]
    movers = {org.sellers[0]: org.managers[1], org.sellers[1]: org.managers[1], org.sellers[10]: org.managers[0]}
    for i, seller in enumerate(org.sellers):
        home = org.managers[i // 5]
        if seller in movers:
            org.lines += [line(seller, home, end=REORG.isoformat()), line(seller, movers[seller], REORG.isoformat())]
        else:
            org.lines.append(line(seller, home))
        org.crm_ids[seller] = f"005{i:03d}"
        org.lms_ids[seller] = f"lms-{i}"
        org.emails[seller] = f"seller{i}@example.com"
    return org


def activity(rnd: random.Random, n: int, org: Org) -> Item:
    seller = rnd.choice(org.sellers)
    at = datetime.combine(FIRST, datetime.min.time(), UTC) + timedelta(minutes=rnd.randrange(0, 122 * 24 * 60))
    item: Item = {"external_id": f"act-{n}", "source": "salesforce", "type": rnd.choice(TYPES),
                  "occurred_at": at.isoformat(),
                  "attributes": {"contact_level": rnd.choice(["c_level", "vp", "manager", "staff"]),
                                 "region": rnd.choice(["emea", "amer"]), "account": f"acc-{rnd.randrange(60)}"},
                  "source_updated_at": (at + timedelta(hours=2)).isoformat()}
    if rnd.random() < 0.35:
        item["user_id"] = org.crm_ids[seller]
    else:
        item["person_id"] = seller
    if item["type"] in ("opportunity_won", "opportunity_lost") and rnd.random() < 0.85:
        item["amount"], item["currency"] = round(rnd.uniform(2_000, 120_000), 2), "EUR"
    return item


def completion(rnd: random.Random, n: int, org: Org) -> Item:
    seller = rnd.choice(org.sellers)
    at = datetime.combine(FIRST, datetime.min.time(), UTC) + timedelta(minutes=rnd.randrange(0, 122 * 24 * 60))
    item: Item = {"external_id": f"cmp-{n}", "lms": "cornerstone", "course_id": f"course-{rnd.randrange(4)}",
                  "course_title": "Course", "status": rnd.choice(["completed", "passed", "failed"]),
                  "score": round(rnd.random(), 2), "completed_at": at.isoformat()}
    who = rnd.random()
    if who < 0.3:
        item["email"] = org.emails[seller].upper()
    elif who < 0.6:
        item["user_id"] = org.lms_ids[seller]
    else:
        item["person_id"] = seller
    return item


def later(item: Item, days: int = 3) -> str:
    stamp = item.get("source_updated_at") or item.get("completed_at")
    assert stamp is not None
    return (datetime.fromisoformat(stamp) + timedelta(days=days)).isoformat()


def edit(rnd: random.Random, item: Item, org: Org) -> Item:
    new = {**item, "attributes": dict(item["attributes"]), "source_updated_at": later(item)}
    what = rnd.choice(["type", "day", "amount", "person", "level"])
    if what == "type":
        new["type"] = rnd.choice(TYPES)
        new.pop("amount", None), new.pop("currency", None)
    elif what == "day":
        new["occurred_at"] = (datetime.fromisoformat(item["occurred_at"])
                              + timedelta(days=rnd.choice([-20, -2, 1, 9]))).isoformat()
    elif what == "amount" and item.get("amount") is not None:
        new["amount"] = round(item["amount"] * rnd.uniform(0.5, 1.5), 2)
    elif what == "person":
        new.pop("user_id", None)
        new["person_id"] = rnd.choice(org.sellers)
    else:
        new["attributes"]["contact_level"] = rnd.choice(["c_level", "staff"])
    return new


async def push(client: httpx.AsyncClient, path: str, items: list[Item]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for i in range(0, len(items), 500):
        r = await client.post(f"/v1/{path}", json={"items": items[i:i + 500]})
        assert r.status_code == 200, r.text
        for k in ("created", "updated", "pending", "duplicate", "conflict", "rejected"):
            totals[k] = totals.get(k, 0) + r.json()[k]
    return totals


async def put(client: httpx.AsyncClient, path: str, items: list[Item]) -> dict[str, Any]:
    r = await client.put(f"/v1/internal/{path}", json={"items": items})
    assert r.status_code == 200, r.text
    assert r.json()["rejected"] == 0, r.json()
    return dict(r.json())


def person(org: Org, pid: str, version: int, known: bool) -> Item:
    """A person of the directory; sellers with an odd position are only fully known from version 2."""
    if pid not in org.sellers:
        return {"id": pid, "version": version, "name": "Manager", "roles": ["manager"]}
    i = org.sellers.index(pid)
    full = known or i % 2 == 0
    return {"id": pid, "version": version, "name": f"Seller {i}", "roles": ["seller"],
            **({"email": org.emails[pid], "external_ids": {"salesforce": org.crm_ids[pid],
                                                           "cornerstone": org.lms_ids[pid]}} if full else {})}


@pytest.fixture
async def scenario(metrics: httpx.AsyncClient) -> tuple[Org, Evidence]:
    rnd = random.Random(20260514)
    org = build_org(rnd)
    truth = Evidence()
    everyone = [org.leader, *org.managers, *org.sellers]
    await put(metrics, "people", [person(org, p, 1, known=False) for p in everyone])
    await put(metrics, "reporting-lines", org.lines)
    for p in everyone:
        full = person(org, p, 1, known=False)
        truth.learn(p, full.get("external_ids", {}), full.get("email"))

    activities = [activity(rnd, n, org) for n in range(1800)]
    completions = [completion(rnd, n, org) for n in range(120)]
    first = await push(metrics, "activities", activities)
    assert first["created"] + first["pending"] == 1800 and first["pending"] > 0  # half the ids are not known yet
    await push(metrics, "completions", completions)
    truth.accept(activities)
    truth.accept(completions, completions=True)

    # Between the pushes: the directory learns everyone's ids (pending evidence resolves), metrics are defined.
    learnt = await put(metrics, "people", [person(org, p, 2, known=True) for p in everyone])
    assert learnt["resolved"] > 100
    for p in org.sellers:
        truth.learn(p, {"salesforce": org.crm_ids[p], "cornerstone": org.lms_ids[p]}, org.emails[p])
    for body in TENANT_METRICS:
        assert (await metrics.post("/v1/metrics", json=body)).status_code == 201

    second: list[Item] = []
    for item in activities:
        roll = rnd.random()
        if roll < 0.2:
            second.append(edit(rnd, item, org))
        elif roll < 0.25:
            second.append({**item, "type": "demo" if item["type"] != "demo" else "call"})  # no newer stamp
        else:
            second.append(item)
    second += [activity(rnd, n, org) for n in range(1800, 2000)]
    rnd.shuffle(second)
    again = await push(metrics, "activities", second)
    assert again["updated"] > 250 and again["conflict"] > 50 and again["duplicate"] > 1000
    assert again["created"] == 200
    truth.accept(second)
    changed = [{**c, "status": "failed" if c["status"] != "failed" else "passed", "source_updated_at": later(c)}
               for c in completions[:30]]
    await push(metrics, "completions", changed + completions[30:])
    truth.accept(changed + completions[30:], completions=True)
    return org, truth


@pytest.mark.parametrize("grain", ["day", "week", "month"])
async def test_every_series_value_equals_the_brute_force(metrics: httpx.AsyncClient, scenario: tuple[Org, Evidence],
                                                        grain: str) -> None:
    org, truth = scenario
    daily = truth.daily(EXTRA)
    spans = periods(grain, FIRST, LAST)
    window = {"from": FIRST.isoformat(), "to": LAST.isoformat(), "grain": grain}
    everyone = [org.leader, *org.managers, *org.sellers]

    def expect(body: dict[str, Any], metric: str, members: Any) -> None:
        assert body["starts"] == [s.isoformat() for s, _ in spans]
        for i, (start, end) in enumerate(spans):
            value, num, den = figure(daily, metric, members(start), start, end, EXTRA_RATIOS, {"emea_deal_size"})
            got = (body["values"][i], body["numerators"][i], body["denominators"][i])
            assert got == pytest.approx((value, num, den)), (metric, grain, start, body.get("team_of"))

    for metric in METRICS:
        r = await metrics.get("/v1/series", params={**window, "metric": metric, "person_ids": everyone})
        assert r.status_code == 200, r.text
        for p, body in zip(everyone, r.json()["items"], strict=True):
            assert body["person_id"] == p
            expect(body, metric, lambda _, p=p: {p})
        for manager in [org.leader, *org.managers]:
            r = await metrics.get("/v1/series", params={**window, "metric": metric, "team_of": manager})
            assert r.status_code == 200, r.text
            expect(r.json(), metric, lambda start, m=manager: team_on(org.lines, m, start))
            assert r.json()["members"] == [len(team_on(org.lines, manager, s)) for s, _ in spans]


async def test_the_reorg_moved_people_between_teams(scenario: tuple[Org, Evidence]) -> None:
    """The scenario itself: the reorg is real, and teams before and after it differ as planned."""
    org, _ = scenario
    before, after = REORG - timedelta(days=1), REORG
    assert team_on(org.lines, org.managers[0], before) != team_on(org.lines, org.managers[0], after)
    assert org.team_of(org.sellers[0], before) == org.managers[0]
    assert org.team_of(org.sellers[0], after) == org.managers[1]
    assert len(team_on(org.lines, org.leader, after)) == 18
