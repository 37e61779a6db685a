"""Announcing overdue actions: an open action whose due day has passed gets one `action.overdue` event (a CRM
can turn it into a task). A sweep runs every `overdue_sweep_seconds` across tenants, in batches; each action
is marked with the day it was announced, in the same transaction as its event (PostgreSQL: rows taken with
`FOR UPDATE SKIP LOCKED`, so two sweepers never announce one action twice)."""

from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from common.db import Database, utcnow
from common.periodic import Periodic
from services.coaching import events
from services.coaching.models import Action

BATCH = 500


class OverdueSweeper:
    def __init__(self, db: Database, *, every: float, today: Callable[[], date] = lambda: utcnow().date()) -> None:
        self.db = db
        self.every = every
        self.today = today
        self._loop = Periodic("coaching:overdue", self.run_once, every, until_idle=lambda n: n == BATCH)

    async def run_once(self) -> int:
        """Announce one batch; how many actions were announced."""
        today = self.today()
        async with self.db.sessions() as s:
            stmt = (select(Action).where(Action.status == "open", Action.due_on < today,
                                         Action.overdue_announced_on.is_(None))
                    .order_by(Action.due_on, Action.id).limit(BATCH))
            if s.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            due = list((await s.execute(stmt)).scalars())
            for action in due:
                action.overdue_announced_on = today
                action.version += 1
            await events.actions_overdue(s, due)
            await s.commit()
        return len(due)

    async def start(self) -> None:
        await self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
