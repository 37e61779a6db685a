"""The overdue sweep announces each overdue action once: two sweepers at once (both having found the same actions
before either marks them, on SQLite; PostgreSQL's SKIP LOCKED leaves the second nothing to find), a second sweep
and a restarted sweeper announce nothing more."""

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.coaching.models import Action, Outbox
from services.coaching.sessions.overdue import OverdueSweeper
from tests.coaching.sessions.helpers import Db, held, on


class MeetingSweepers(OverdueSweeper):
    """Waits after finding until every sweeper of the barrier has found, so all look before any marks."""

    def __init__(self, *args: Any, barrier: asyncio.Barrier, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.barrier = barrier
        self.found = 0

    async def find(self, session: AsyncSession, unit: None, today: date) -> Sequence[Action]:
        found = await super().find(session, unit, today)
        self.found += len(found)
        await self.barrier.wait()
        return found


async def overdue_events(db: Db) -> list[Any]:
    async with db.session() as s:
        return list((await s.execute(select(Outbox.c.entity_id, Outbox.c.entity_version, Outbox.c.payload)
                                     .where(Outbox.c.topic == "coaching.action.overdue"))).all())


async def test_two_sweepers_at_once_announce_each_action_once(as_person, world, db):
    async with as_person(world.m1, "manager") as m1:
        for seller in (world.s1, world.s2) * 3:
            await held(m1, world.m1, seller)  # each with one action due in 7 days
    engine = db.stack.local.services["coaching"].state.db
    barrier = asyncio.Barrier(2)
    sweeps = [MeetingSweepers(engine, every=3600, today=lambda: on(8), barrier=barrier) for _ in range(2)]
    counts = await asyncio.gather(*(s.run_once() for s in sweeps))
    assert sum(counts) == 6, counts
    if engine.engine.dialect.name == "sqlite":
        assert [s.found for s in sweeps] == [6, 6]  # both saw every action: the race the UPDATE settles
    events = await overdue_events(db)
    assert Counter(entity for entity, _, _ in events) == {entity: 1 for entity, _, _ in events} and len(events) == 6
    assert {(version, payload["version"]) for _, version, payload in events} == {(2, 2)}
    async with db.session() as s:
        stored = (await s.execute(select(Action.overdue_announced_on, Action.version))).all()
    assert set(stored) == {(on(8), 2)}
    assert await OverdueSweeper(engine, every=3600, today=lambda: on(9)).run_once() == 0  # a restart: none again
    assert len(await overdue_events(db)) == 6
