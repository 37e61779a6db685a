"""programme.fizzling / programme.recovered on the planted schedule of test_health.py: each change of a programme
or a judged pair announced once, with the figures its health shows that day; nothing again on a second sweep, a
restarted sweeper or two sweepers at once."""

import asyncio
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.coaching.models import Outbox
from services.coaching.relationships.fizzle_alerts import FizzleSweeper, Judged
from tests.coaching.relationships.test_health import by_pair, health, planted  # noqa: F401  (a fixture)

TOPICS = ("coaching.programme.fizzling", "coaching.programme.recovered")


def sweeper(stack: Any, day: date) -> FizzleSweeper:
    return FizzleSweeper(stack.local.services["coaching"].state.db, every=3600, today=lambda: day)


async def announced(stack: Any) -> list[tuple[str, str, int, dict[str, Any]]]:
    """(topic, entity id, entity version, payload) of every programme alert in the outbox, oldest first."""
    async with stack.local.services["coaching"].state.db.sessions() as s:
        rows = (await s.execute(select(Outbox.c.topic, Outbox.c.entity_id, Outbox.c.entity_version,
                                       Outbox.c.payload).where(Outbox.c.topic.in_(TOPICS))
                                .order_by(Outbox.c.id))).all()
    return [(topic.rsplit(".", 1)[1], entity, version, payload) for topic, entity, version, payload in rows]


async def test_each_change_is_announced_once_with_its_figures(coaching, seed, stack, planted):  # noqa: F811
    p, other = planted["p"]["id"], planted["other"]["id"]
    ppl, pairs = planted["people"], {k: v["id"] for k, v in planted["pairs"].items()}
    other_pair = (await coaching.get(f"/v1/programmes/{other}")).json()["pairs"][0]["id"]

    # 02-02: P is kept (A, B and D judged: 11 held of 12 planned); Other's only pair held nothing yet
    assert await sweeper(stack, date(2025, 2, 2)).run_once() == 2
    assert {(k, e, v) for k, e, v, _ in await announced(stack)} == {("fizzling", other, 1), ("fizzling", other_pair, 1)}
    assert await sweeper(stack, date(2025, 2, 2)).run_once() == 0  # a second sweep, or a restarted sweeper

    # 03-02: pair B fizzles (1 held of 4 planned); P does not (5 of 8); Other is still fizzling: nothing new for it
    assert await sweeper(stack, date(2025, 3, 2)).run_once() == 1
    kind, entity, version, data = (await announced(stack))[-1]
    h = await health(coaching, p, to="2025-03-02")
    b = by_pair(h, planted)["B"]
    assert (kind, entity, version) == ("fizzling", pairs["B"], 1)
    assert data == {"id": pairs["B"], "version": 1, "programme_id": p, "pair_id": pairs["B"], "coach_id": ppl["E"],
                    "seller_id": ppl["S2"], "on": "2025-03-02", "last_28_days_from": h["last_28_days_from"],
                    "last_28_days_to": "2025-03-02", "cadence_days": 7, "held_last_28_days": b["held_last_28_days"],
                    "planned_last_28_days": b["planned_last_28_days"], "pairs_judged_last_28_days": None,
                    "pairs_fizzling": None}

    # 03-16: the programme fizzles (A, B, C judged: 5 held of 12 planned)
    assert await sweeper(stack, date(2025, 3, 16)).run_once() == 1
    kind, entity, version, data = (await announced(stack))[-1]
    h = await health(coaching, p, to="2025-03-16")
    assert (kind, entity, version) == ("fizzling", p, 1)
    assert {k: data[k] for k in ("pair_id", "held_last_28_days", "planned_last_28_days",
                                 "pairs_judged_last_28_days", "pairs_fizzling")} == {
        "pair_id": None, "held_last_28_days": h["held_last_28_days"], "planned_last_28_days": h["planned_last_28_days"],
        "pairs_judged_last_28_days": 3, "pairs_fizzling": 1}

    # B catches up: both B and the programme recover (version 2), the same day
    for day in (date(2025, 3, 10), date(2025, 3, 14)):
        await seed.session(ppl["E"], ppl["S2"], day, programme_id=p)
    assert await sweeper(stack, date(2025, 3, 16)).run_once() == 2
    assert {(k, e, v) for k, e, v, _ in (await announced(stack))[-2:]} == {("recovered", p, 2),
                                                                           ("recovered", pairs["B"], 2)}
    assert (await health(coaching, p, to="2025-03-16"))["fizzling"] is False

    # a month of silence: every judged pair and the programme fizzle again (a new occurrence each)
    before = len(await announced(stack))
    assert await sweeper(stack, date(2025, 4, 20)).run_once() == 4
    assert {(k, e, v) for k, e, v, _ in (await announced(stack))[before:]} == {
        ("fizzling", p, 3), ("fizzling", pairs["B"], 3), ("fizzling", pairs["A"], 1), ("fizzling", pairs["C"], 1)}
    assert await sweeper(stack, date(2025, 4, 21)).run_once() == 0


class MeetingSweepers(FizzleSweeper):
    """Waits after judging until every sweeper of the barrier has judged, so both see the same changes."""

    def __init__(self, *args: Any, barrier: asyncio.Barrier, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.barrier = barrier

    async def find(self, session: AsyncSession, unit: Any, today: date) -> Sequence[Judged]:
        found = await super().find(session, unit, today)
        await self.barrier.wait()
        return found


async def test_two_sweepers_at_once_announce_each_change_once(seed, stack, planted):  # noqa: F811
    db = stack.local.services["coaching"].state.db
    ppl, day = planted["people"], date(2025, 3, 16)

    async def race() -> int:
        barrier = asyncio.Barrier(2)
        sweeps = [MeetingSweepers(db, every=3600, today=lambda: day, barrier=barrier) for _ in range(2)]
        return sum(await asyncio.gather(*(s.run_once() for s in sweeps)))

    assert await race() == 4  # first states (INSERTs): P, its pair B, Other and its pair
    for held in (date(2025, 3, 10), date(2025, 3, 14)):
        await seed.session(ppl["E"], ppl["S2"], held, programme_id=planted["p"]["id"])
    assert await race() == 2  # changed states (UPDATEs): P and B recover
    events = await announced(stack)
    assert len(events) == 6 and len({(e, v) for _, e, v, _ in events}) == 6
