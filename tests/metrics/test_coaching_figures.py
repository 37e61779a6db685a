"""Coaching figures from the read model's sessions against a brute-force count of what was pushed."""

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from tests.metrics.test_scorecards import put

TODAY = date.min  # set per test by `_dates`


def set_dates() -> None:
    """Dates taken when each test starts, not at import: a suite that runs past midnight UTC would
    otherwise compare yesterday's dates with the service's today. Modules that borrow this module's
    helpers call it too."""
    global TODAY
    TODAY = datetime.now(UTC).date()


@pytest.fixture(autouse=True)
def _dates() -> None:
    set_dates()

def at(day: date, hour: int = 10) -> str:
    return datetime.combine(day, time(hour), tzinfo=UTC).isoformat()


async def plant(metrics: Any) -> dict[str, Any]:
    rnd = random.Random(5)
    coaches, sellers = [uuid.uuid4() for _ in range(3)], [uuid.uuid4() for _ in range(6)]
    await put(metrics, "people", [{"id": str(p), "version": 1, "name": "x", "roles": ["seller"]}
                                  for p in coaches + sellers])
    await put(metrics, "reporting-lines", [{"id": str(uuid.uuid4()), "version": 1, "person_id": str(s),
                                            "manager_id": str(coaches[0]), "valid_from": "2020-01-01"}
                                           for s in sellers[:3]])
    sessions: list[dict[str, Any]] = []
    for _ in range(120):
        day = TODAY - timedelta(days=rnd.randint(0, 60))
        status = rnd.choice(["completed"] * 6 + ["cancelled", "no_show", "scheduled"])
        rated = status == "completed" and rnd.random() < 0.6
        sessions.append({"id": str(uuid.uuid4()), "version": 1, "coach_id": str(rnd.choice(coaches)),
                         "seller_id": str(rnd.choice(sellers)), "status": status, "scheduled_at": at(day),
                         "held_at": at(day, 11) if status == "completed" else None,
                         "relevant": rnd.randint(1, 5) if rated else None,
                         "developmental": rnd.randint(1, 5) if rated else None,
                         "motivational": rnd.randint(1, 5) if rated else None,
                         "has_agreed_action": status == "completed" and rnd.random() < 0.5})
    await put(metrics, "sessions", sessions)
    return {"coaches": coaches, "sellers": sellers, "sessions": sessions}


def brute(sessions: list[dict[str, Any]], key: str, first: date, last: date,
          sellers: set[str] | None = None) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for s in sessions:
        if sellers is not None and s["seller_id"] not in sellers:
            continue
        planned = first <= date.fromisoformat(s["scheduled_at"][:10]) <= last
        held = s["status"] == "completed" and first <= date.fromisoformat(s["held_at"][:10]) <= last
        row = out.setdefault(s[key], {"held": 0, "cancelled": 0, "no_show": 0, "ratings": [], "actions": 0})
        row["held"] += held
        row["cancelled"] += planned and s["status"] == "cancelled"
        row["no_show"] += planned and s["status"] == "no_show"
        if held and s["relevant"] is not None:
            row["ratings"].append((s["relevant"], s["developmental"], s["motivational"]))
        row["actions"] += held and s["has_agreed_action"]
    return {k: v for k, v in out.items() if v["held"] or v["cancelled"] or v["no_show"]}


@pytest.mark.parametrize("group_by", ["coach", "seller"])
async def test_figures_equal_the_brute_force(metrics, group_by):
    org = await plant(metrics)
    first, last = TODAY - timedelta(days=30), TODAY - timedelta(days=2)
    for team_of in (None, org["coaches"][0]):
        params = {"from": first.isoformat(), "to": last.isoformat(), "group_by": group_by}
        if team_of:
            params["team_of"] = str(team_of)
        r = await metrics.get("/v1/coaching-figures", params=params)
        assert r.status_code == 200, r.text
        sellers = {str(s) for s in org["sellers"][:3]} if team_of else None
        want = brute(org["sessions"], f"{group_by}_id", first, last, sellers)
        got = {row["person_id"]: row for row in r.json()["rows"]}
        assert set(got) == set(want)
        for person, w in want.items():
            g = got[person]
            assert (g["sessions_held"], g["cancelled"], g["no_show"], g["rated"], g["with_agreed_action"]) == (
                w["held"], w["cancelled"], w["no_show"], len(w["ratings"]), w["actions"])
            for n, dim in enumerate(("relevant", "developmental", "motivational")):
                expected = sum(r[n] for r in w["ratings"]) / len(w["ratings"]) if w["ratings"] else None
                assert g["average_rating"][dim] == pytest.approx(expected)
            assert g["agreed_action_share"] == pytest.approx(w["actions"] / w["held"] if w["held"] else None)


async def test_bad_windows(metrics):
    for params in ({"from": "2026-02-01", "to": "2026-01-01"}, {"from": "2020-01-01", "to": "2026-01-01"},
                   {"from": "2026-01-01"}, {"from": "x", "to": "2026-01-01"}):
        r = await metrics.get("/v1/coaching-figures", params=params)
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", params
