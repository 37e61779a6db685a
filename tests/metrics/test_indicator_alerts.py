"""indicator.off_track / indicator.back_on_track: once per person, indicator and period, judged on the period's
whole days up to yesterday, with figures equal to a count of the evidence; nothing again on a second sweep, a
restarted sweeper or two sweepers at once."""

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.metrics.alerts.indicators import IndicatorAlertSweeper, Judged, Unit
from services.metrics.models import Outbox
from tests.conftest import Stack
from tests.metrics.test_scorecards import push, put

MONDAY = date(2026, 11, 2)  # a week of its own: Monday 11-02 … Sunday 11-08
TARGET = 3.0  # meetings a week
_ids = count()


def day(n: int) -> date:
    return MONDAY + timedelta(days=n)


async def meetings(client: httpx.AsyncClient, person: uuid.UUID, on: date, n: int = 1) -> None:
    when = datetime.combine(on, time(12), tzinfo=UTC).isoformat()
    await push(client, [{"external_id": f"m{next(_ids)}", "source": "salesforce", "type": "meeting",
                         "person_id": str(person), "occurred_at": when, "source_updated_at": when}
                        for _ in range(n)])


def sweeper(stack: Stack, today: date) -> IndicatorAlertSweeper:
    return IndicatorAlertSweeper(stack.local.services["metrics"].state.db, every=3600, today=lambda: today)


async def announced(stack: Stack) -> list[tuple[str, str, int, dict[str, Any]]]:
    async with stack.local.services["metrics"].state.db.sessions() as s:
        rows = (await s.execute(select(Outbox.c.topic, Outbox.c.entity_id, Outbox.c.entity_version, Outbox.c.payload)
                                .order_by(Outbox.c.id))).all()
    return [(t.rsplit(".", 1)[1], e, v, p) for t, e, v, p in rows]


@pytest.fixture
async def org(metrics: httpx.AsyncClient) -> dict[str, Any]:
    people = {name: uuid.uuid4() for name in ("ann", "bob", "cat")}
    await put(metrics, "people", [{"id": str(p), "version": 1, "name": n, "roles": ["seller"]}
                                  for n, p in people.items()])
    behavior, meetings_id = uuid.uuid4(), uuid.uuid4()
    await put(metrics, "behaviors", [{"id": str(behavior), "version": 1, "key": "exec-meetings", "name": "Meet",
                                      "status": "active", "audience": ["seller"], "indicators": [
        {"id": str(meetings_id), "metric_key": "meetings", "kind": "activity", "target": TARGET, "period": "week"},
        # no wins or losses: no data, never judged; no e-mails: under the ceiling, on track, never announced
        {"id": str(uuid.uuid4()), "metric_key": "win_rate", "kind": "proficiency", "target": 0.4, "period": "month"},
        {"id": str(uuid.uuid4()), "metric_key": "emails", "kind": "activity", "target": 20, "comparator": "lte",
         "period": "week"}]}])
    return {**people, "behavior": behavior, "indicator": meetings_id}


def status(actual: float, elapsed: int) -> str:
    """periods.py's rule by hand: the weekly target pro rata over the elapsed days; at risk down to 80%."""
    expected = TARGET * elapsed / 7
    return "on_track" if actual >= expected else "at_risk" if actual >= 0.8 * expected else "off_track"


async def test_once_per_person_indicator_and_period(metrics, stack, org):
    ann, bob, cat = org["ann"], org["bob"], org["cat"]
    await meetings(metrics, bob, day(0))
    # Wednesday: Monday and Tuesday judged (6/7 expected): ann and cat have none, bob one
    assert [status(a, 2) for a in (0, 1)] == ["off_track", "on_track"]
    assert await sweeper(stack, day(2)).run_once() == 2
    events = await announced(stack)
    assert {(k, p["person_id"], v) for k, _, v, p in events} == {("off_track", str(ann), 1), ("off_track", str(cat), 1)}
    data = next(p for _, _, _, p in events if p["person_id"] == str(ann))
    assert data == {"id": data["id"], "version": 1, "person_id": str(ann), "behavior_id": str(org["behavior"]),
                    "behavior_key": "exec-meetings", "indicator_id": str(org["indicator"]), "metric_key": "meetings",
                    "kind": "activity", "comparator": "gte", "target": TARGET, "indicator_period": "week",
                    "period_start": "2026-11-02", "period_end": "2026-11-08", "on": "2026-11-03", "elapsed_days": 2,
                    "expected": pytest.approx(TARGET * 2 / 7), "actual": 0.0, "status": "off_track"}
    assert await sweeper(stack, day(2)).run_once() == 0  # a second sweep, or a restarted sweeper
    assert await sweeper(stack, day(2)).run_once() == 0

    await meetings(metrics, cat, day(1))  # cat catches up (1 >= 6/7): back on track, once
    assert await sweeper(stack, day(2)).run_once() == 1
    kind, entity, version, data = (await announced(stack))[-1]
    assert (kind, version, data["person_id"], data["actual"], data["status"]) == (
        "back_on_track", 2, str(cat), 1.0, "on_track")
    assert entity == next(e for k, e, _, p in events if p["person_id"] == str(cat))  # the same occurrence

    # Thursday judged (12/7 expected): bob's one meeting is off track now (announced); so is cat's, again
    # (not announced: once a period is all); ann's first is not enough
    await meetings(metrics, ann, day(3))
    assert status(1, 4) == "off_track" and await sweeper(stack, day(4)).run_once() == 1
    assert (await announced(stack))[-1][3]["person_id"] == str(bob)
    await meetings(metrics, ann, day(3), 2)
    assert await sweeper(stack, day(4)).run_once() == 1
    assert (await announced(stack))[-1][3]["person_id"] == str(ann)

    # the next week is a period of its own: everyone starts with nothing on Monday
    assert await sweeper(stack, day(8)).run_once() == 3
    assert {p["period_start"] for _, _, _, p in (await announced(stack))[-3:]} == {"2026-11-09"}
    assert len(await announced(stack)) == 8


class MeetingSweepers(IndicatorAlertSweeper):
    def __init__(self, *args: Any, barrier: asyncio.Barrier, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.barrier = barrier

    async def find(self, session: AsyncSession, unit: Unit, today: date) -> Sequence[Judged]:
        found = await super().find(session, unit, today)
        await self.barrier.wait()
        return found


async def test_two_sweepers_at_once_announce_each_once(metrics, stack, org):
    db = stack.local.services["metrics"].state.db

    async def race(today: date) -> int:
        barrier = asyncio.Barrier(2)
        sweeps = [MeetingSweepers(db, every=3600, today=lambda: today, barrier=barrier) for _ in range(2)]
        return sum(await asyncio.gather(*(s.run_once() for s in sweeps)))

    assert await race(day(2)) == 3  # first writes: INSERTs
    for person in (org["ann"], org["bob"]):
        await meetings(metrics, person, day(1))
    assert await race(day(2)) == 2  # UPDATEs
    events = await announced(stack)
    assert len(events) == 5 and len({(e, v) for _, e, v, _ in events}) == 5
