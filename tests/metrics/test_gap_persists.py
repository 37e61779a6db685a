"""GAP_PERSISTS in the coaching queue: an open gap in scope whose indicators did not move the right way after N of the
seller's sessions — the weight on hand-built inputs, then through the metrics REST on planted evidence."""

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from services.metrics.queue_scoring import GapPersisting, SellerFacts, score_seller
from tests.metrics import test_scorecards as sc
from tests.metrics.test_gaps import gap_item


@pytest.fixture(autouse=True)
def _dates() -> None:
    sc.set_dates()


def test_the_weight_and_the_words():
    on = date(2026, 3, 31)
    g = GapPersisting("exec-meetings", "skills", date(2026, 2, 1), 4, "meetings", 6.0, 2.0, 28)
    facts = SellerFacts(seller_id="s", name="Ann", scope=None, last_session_on=on, gaps_persisting=(g,))
    [reason] = score_seller(facts, on).reasons
    assert (reason.kind, reason.weight, reason.behavior_key, reason.metric_key) == (
        "gap_persists", 10.0, "exec-meetings", "meetings")
    assert reason.detail == ("Gap on exec-meetings (skills) open since 2026-02-01, 4 session(s) since and not moving: "
                             "meetings 6 over the 28 day(s) before it, 2 since.")
    three = SellerFacts(seller_id="s", name="Ann", scope=None, last_session_on=on, gaps_persisting=(g, g, g))
    assert [r.weight for r in score_seller(three, on).reasons] == [20.0]


async def person(metrics: httpx.AsyncClient, name: str, manager: uuid.UUID | None) -> uuid.UUID:
    pid = uuid.uuid4()
    await sc.put(metrics, "people", [{"id": str(pid), "version": 1, "name": name,
                                      "roles": ["manager"] if manager is None else ["seller"]}])
    if manager is not None:
        await sc.put(metrics, "reporting-lines", [{"id": str(uuid.uuid4()), "version": 1, "person_id": str(pid),
                                                   "manager_id": str(manager),
                                                   "valid_from": (sc.TODAY - timedelta(days=200)).isoformat()}])
    return pid


async def sessions(metrics: httpx.AsyncClient, coach: uuid.UUID, seller: uuid.UUID, days: list[date]) -> None:
    await sc.put(metrics, "sessions", [
        {"id": str(uuid.uuid4()), "version": 2, "coach_id": str(coach), "seller_id": str(seller),
         "status": "completed", "scheduled_at": sc.at(d), "held_at": sc.at(d)} for d in days])


def meetings(seller: uuid.UUID, days: list[date]) -> list[dict[str, Any]]:
    return [{"external_id": f"m-{seller}-{n}", "source": "salesforce", "type": "meeting", "person_id": str(seller),
             "occurred_at": sc.at(d), "source_updated_at": sc.at(d)} for n, d in enumerate(days)]


async def test_open_gaps_that_did_not_move_after_n_sessions(metrics):
    await sc.put(metrics, "behaviors", [{"id": str(uuid.uuid4()), "version": 1, **b, "indicators": [
        {"id": str(uuid.uuid4()), **i} for i in b["indicators"]]} for b in sc.BEHAVIORS])
    manager = await person(metrics, "Mia", None)
    stuck, improving, early, closed = [await person(metrics, n, manager) for n in ("Ann", "Bob", "Cat", "Dan")]
    opened = sc.TODAY - timedelta(days=20)
    after = [opened + timedelta(days=d) for d in (2, 6, 12)]
    # Bob books meetings after the gap only: his meetings moved the right way; Ann's did not (none either side)
    await sc.push(metrics, meetings(improving, [opened + timedelta(days=d) for d in range(1, 15)]))
    gaps = [gap_item(stuck, manager, "exec-meetings", "skills", opened),
            gap_item(improving, manager, "exec-meetings", "skills", opened),
            gap_item(early, manager, "exec-meetings", "knowledge", opened),
            gap_item(closed, manager, "exec-meetings", "skills", opened,
                     closed=(sc.TODAY - timedelta(days=1), "persists"))]
    await sc.put(metrics, "gaps", gaps)
    for seller in (stuck, improving, closed):
        await sessions(metrics, manager, seller, after)
    await sessions(metrics, manager, early, after[:2])  # two sessions since: not yet

    r = await metrics.get("/v1/coaching-queues", params={"coach_ids": [str(manager)]})
    assert r.status_code == 200, r.text
    [answer] = r.json()
    reasons = {e["seller_name"]: [x for x in e["reasons"] if x["kind"] == "gap_persists"]
               for e in answer["queue"]["entries"]}
    assert set(reasons) == {"Ann", "Bob", "Cat", "Dan"}
    [persists] = reasons["Ann"]
    assert (persists["weight"], persists["behavior_key"], persists["metric_key"]) == (10.0, "exec-meetings", "emails")
    assert f"open since {opened}, 3 session(s) since" in persists["detail"]
    assert reasons["Bob"] == reasons["Cat"] == reasons["Dan"] == []
    assert "gap_persists" in answer["queue"]["formula"]
