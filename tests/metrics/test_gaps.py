"""Gap evaluations and the gap summary against a brute-force recount from the raw generated activities (the org and
events of test_scorecards, whose seller 3 moves from the other manager to ours at the reorg), including gaps opened
on the reorg day; and who may read the summary."""

import random
import statistics
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from common.auth import issue_person_token
from tests.conftest import JWT_SECRET, Stack, Tenant
from tests.metrics import test_scorecards as sc
from tests.metrics.test_goal_progress import value

ACTORS = {"skills": "enablement", "knowledge": "enablement", "environment": "operations_and_management",
          "capacity": "operations_and_management", "commitment": "manager"}
CAUSES = list(ACTORS)


@pytest.fixture(autouse=True)
def _dates() -> None:
    sc.set_dates()


def gap_item(seller: uuid.UUID, coach: uuid.UUID, behavior: str, cause: str, opened: date, *,
             closed: tuple[date, str] | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": str(uuid.uuid4()), "version": 1, "session_id": str(uuid.uuid4()), "seller_id": str(seller),
        "coach_id": str(coach), "behavior_key": behavior, "root_cause": cause,
        "opened_at": datetime.combine(opened, time(10), tzinfo=UTC).isoformat(), "status": "open"}
    if closed is not None:
        item.update(version=2, status="closed", outcome=closed[1], closed_session_id=str(uuid.uuid4()),
                    closed_at=datetime.combine(closed[0], time(15), tzinfo=UTC).isoformat())
    return item


def opened_day(gap: dict[str, Any]) -> date:
    return datetime.fromisoformat(gap["opened_at"]).date()


# ---- the brute force ---------------------------------------------------------------------------

def expect(org: sc.Org, gap: dict[str, Any], window: int) -> list[tuple[str, float | None, float | None, str]]:
    """(metric, before, after, movement) per indicator of the gap's behaviour."""
    day, seller = opened_day(gap), uuid.UUID(gap["seller_id"])
    days = min(window, (sc.TODAY - day).days + 1)
    spec = next(b for b in sc.BEHAVIORS if b["key"] == gap["behavior_key"])
    out = []
    for i in sorted(spec["indicators"], key=lambda i: i["metric_key"]):
        before = value(org, seller, i["metric_key"], day - timedelta(days=days), day - timedelta(days=1))
        after = value(org, seller, i["metric_key"], day, day + timedelta(days=days - 1))
        if before is None or after is None:
            moved = "no_data"
        elif after == before:
            moved = "flat"
        else:
            moved = "right_way" if (after > before) == (i.get("comparator", "gte") == "gte") else "wrong_way"
        out.append((i["metric_key"], before, after, moved))
    return out


def relative(before: float | None, after: float | None, comparator: str) -> float | None:
    if before is None or after is None or before == 0:
        return None
    return (after - before) / abs(before) * (-1 if comparator == "lte" else 1)


def comparators(behavior: str) -> dict[str, str]:
    spec = next(b for b in sc.BEHAVIORS if b["key"] == behavior)
    return {i["metric_key"]: i.get("comparator", "gte") for i in spec["indicators"]}


def recount(org: sc.Org, gaps: list[dict[str, Any]], window: int) -> dict[str, Any]:
    closed = [g for g in gaps if g["status"] == "closed"]
    days = [(datetime.fromisoformat(g["closed_at"]).date() - opened_day(g)).days for g in closed]
    figures = [(f, comparators(g["behavior_key"])[f[0]]) for g in gaps for f in expect(org, g, window)]
    changes = [r for (_, b, a, _), c in figures if (r := relative(b, a, c)) is not None]
    judged = [m for (_, _, _, m), _ in figures if m != "no_data"]
    resolved = sum(g["outcome"] == "resolved" for g in closed)
    return {"opened": len(gaps), "closed": len(closed), "open": len(gaps) - len(closed), "resolved": resolved,
            "share_resolved": resolved / len(closed) if closed else None,
            "median_days_to_close": statistics.median(days) if days else None,
            "mean_change": statistics.fmean(changes) if changes else None,
            "improved_share": sum(m == "right_way" for m in judged) / len(judged) if judged else None}


def check_row(got: dict[str, Any], want: dict[str, Any]) -> None:
    for k, v in want.items():
        assert got[k] == pytest.approx(v), (k, got)


def direct_manager(org: sc.Org, seller: uuid.UUID, day: date) -> uuid.UUID | None:
    found = [m for p, m, a, b in org.lines if p == seller and a <= day and (b is None or day < b)]
    return found[0] if found else None


async def planted(metrics: httpx.AsyncClient) -> tuple[sc.Org, list[dict[str, Any]]]:
    org = await sc.build(metrics)
    rnd = random.Random(5)
    coaches = [org.manager, org.other_manager]
    gaps = []
    for _ in range(40):
        opened = sc.TODAY - timedelta(days=rnd.randint(0, 80))
        closed = None
        if rnd.random() < 0.5:
            closed = (min(sc.TODAY, opened + timedelta(days=rnd.randint(1, 30))),
                      rnd.choice(["resolved", "resolved", "persists", "no_longer_relevant"]))
        behavior = rnd.choice(["exec-meetings", "coach-weekly"])
        gaps.append(gap_item(rnd.choice(org.sellers), rnd.choice(coaches), behavior, rnd.choice(CAUSES), opened,
                             closed=closed))
    mover = org.sellers[3]  # moved from the other manager to ours at the reorg: gaps on the day and the day before
    gaps.append(gap_item(mover, org.manager, "exec-meetings", "skills", sc.REORG))
    gaps.append(gap_item(mover, org.other_manager, "exec-meetings", "skills", sc.REORG - timedelta(days=1),
                         closed=(sc.REORG + timedelta(days=3), "resolved")))
    await sc.put(metrics, "gaps", gaps)
    return org, gaps


# ---- the tests ---------------------------------------------------------------------------------

async def test_evaluations_equal_the_brute_force(metrics):
    org, gaps = await planted(metrics)
    # sessions of the sellers after some gaps were opened (any coach), and one before: counted only after
    seller = org.sellers[3]
    held = [sc.REORG + timedelta(days=d) for d in (-5, 1, 2, 6)]
    await sc.put(metrics, "sessions", [
        {"id": str(uuid.uuid4()), "version": 2, "coach_id": str(org.manager), "seller_id": str(seller),
         "status": "completed", "scheduled_at": sc.at(d), "held_at": sc.at(d)} for d in held])
    by_id = {g["id"]: g for g in gaps}
    for window in (28, 7, 60):
        ids = list(by_id)
        got = []
        for i in range(0, len(ids), 200):
            r = await metrics.get("/v1/gap-evaluations", params={"gap_ids": ids[i:i + 200], "window_days": window})
            assert r.status_code == 200, r.text
            got += r.json()
        assert [e["gap_id"] for e in got] == ids
        for e in got:
            gap = by_id[e["gap_id"]]
            want = expect(org, gap, window)
            assert [(f["metric_key"], f["movement"]) for f in e["indicators"]] == [(m, mv) for m, _, _, mv in want]
            for f, (_, before, after, _) in zip(e["indicators"], want, strict=True):
                assert (f["before"], f["after"]) == (pytest.approx(before), pytest.approx(after)), (gap, f)
            days = min(window, (sc.TODAY - opened_day(gap)).days + 1)
            assert (e["days"], e["after_start"]) == (days, opened_day(gap).isoformat())
            assert e["status"] == gap["status"] and e["outcome"] == gap.get("outcome")
            assert e["improved"] == (any(m == "right_way" for *_, m in want)
                                     if any(m != "no_data" for *_, m in want) else None)
            if gap["seller_id"] == str(seller):
                opened = datetime.fromisoformat(gap["opened_at"])
                assert e["sessions_since"] == sum(datetime.combine(d, time(12), tzinfo=UTC) > opened for d in held)
    # the default window is 28 days; unknown gaps are left out; bad input is a 422
    r = await metrics.get("/v1/gap-evaluations", params={"gap_ids": [gaps[0]["id"], str(uuid.uuid4())]})
    assert [e["window_days"] for e in r.json()] == [28]
    for params in ({"gap_ids": [str(uuid.uuid4())] * 201}, {}, {"gap_ids": ["x"]},
                   {"gap_ids": [gaps[0]["id"]], "window_days": 0}, {"gap_ids": [gaps[0]["id"]], "window_days": 181}):
        r = await metrics.get("/v1/gap-evaluations", params=params)
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", params


@pytest.mark.parametrize("group_by", ["root_cause", "behavior", "team", "coach"])
async def test_the_summary_equals_a_recount(metrics, group_by):
    org, gaps = await planted(metrics)
    first, last = sc.TODAY - timedelta(days=60), sc.TODAY - timedelta(days=5)
    in_window = [g for g in gaps if first <= opened_day(g) <= last]

    def key(g: dict[str, Any]) -> str | None:
        if group_by == "root_cause":
            return g["root_cause"]
        if group_by == "behavior":
            return g["behavior_key"]
        if group_by == "coach":
            return g["coach_id"]
        m = direct_manager(org, uuid.UUID(g["seller_id"]), opened_day(g))
        return str(m) if m else None

    for team_of, members in ((None, in_window),
                             (org.manager, [g for g in in_window
                                            if uuid.UUID(g["seller_id"]) in org.team(org.manager, opened_day(g))]),
                             (org.other_manager, [g for g in in_window if uuid.UUID(g["seller_id"]) in
                                                  org.team(org.other_manager, opened_day(g))])):
        params = {"from": first.isoformat(), "to": last.isoformat(), "group_by": group_by}
        if team_of is not None:
            params["team_of"] = str(team_of)
        r = await metrics.get("/v1/gap-summary", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        check_row(body["total"], recount(org, members, 28))
        groups: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
        for g in members:
            groups[key(g)].append(g)
        assert {row["key"] for row in body["rows"]} == set(groups)
        for row in body["rows"]:
            check_row(row, recount(org, groups[row["key"]], 28))
            assert {c["root_cause"]: c["opened"] for c in row["root_causes"]} == {
                c: n for c in CAUSES if (n := sum(g["root_cause"] == c for g in groups[row["key"]]))}
            if group_by == "root_cause":
                assert row["who_should_act"] == ACTORS[row["key"]]
        assert [r["opened"] for r in body["rows"]] == sorted((r["opened"] for r in body["rows"]), reverse=True)
    # the gap opened on the reorg day counts for the seller's new team, the one the day before for the old one
    mover = str(org.sellers[3])
    on_reorg = [g for g in gaps if g["seller_id"] == mover and opened_day(g) == sc.REORG]
    assert on_reorg and all(uuid.UUID(mover) in org.team(org.manager, sc.REORG) for _ in on_reorg)
    assert uuid.UUID(mover) not in org.team(org.other_manager, sc.REORG)
    assert uuid.UUID(mover) in org.team(org.other_manager, sc.REORG - timedelta(days=1))


async def test_who_may_read_the_summary(metrics, stack: Stack, tenant: Tenant):
    org, gaps = await planted(metrics)
    params = {"from": (sc.TODAY - timedelta(days=90)).isoformat(), "to": sc.TODAY.isoformat()}

    async def ask(person: uuid.UUID, roles: list[str], team_of: uuid.UUID | None) -> httpx.Response:
        token = issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=person, roles=roles)
        async with stack.client(token) as c:
            c.base_url = httpx.URL("http://uplift/api/metrics")
            return await c.get("/v1/gap-summary",
                               params={**params, **({"team_of": str(team_of)} if team_of else {})})

    enablement = await ask(uuid.uuid4(), ["enablement"], None)
    assert enablement.status_code == 200 and enablement.json()["total"]["opened"] == len(gaps)
    mine = await ask(org.manager, ["manager"], org.manager)
    assert mine.status_code == 200
    tree = [g for g in gaps if uuid.UUID(g["seller_id"]) in org.team(org.manager, opened_day(g))]
    assert mine.json()["total"]["opened"] == len(tree) < len(gaps)
    for person, roles, team_of in ((org.manager, ["manager"], None),  # a manager: their tree only, not the tenant
                                   (org.other_manager, ["manager"], org.manager),  # not above them
                                   (org.sellers[0], ["seller"], org.sellers[0]),  # a seller is refused
                                   (org.sellers[0], ["seller"], None)):
        r = await ask(person, roles, team_of)
        assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json", (roles, team_of)
    for bad in ({"from": params["to"], "to": params["from"]}, {"from": "2026-02-30", "to": params["to"]},
                {**params, "group_by": "mood"}, {**params, "window_days": 0}):
        r = await metrics.get("/v1/gap-summary", params=bad)
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", bad
