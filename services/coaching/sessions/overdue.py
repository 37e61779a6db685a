"""Announcing overdue actions: an open action whose due day has passed gets one `action.overdue` event (a CRM
can turn it into a task). A sweep runs every `overdue_sweep_seconds` across tenants, in batches; each action
is marked with the day it was announced, in the same transaction as its event (PostgreSQL: rows taken with
`FOR UPDATE SKIP LOCKED`, so two sweepers never announce one action twice)."""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from common.db import Database, utcnow
from services.coaching import events
from services.coaching.models import Action

log = logging.getLogger("uplift.coaching")
BATCH = 500


class OverdueSweeper:
    def __init__(self, db: Database, *, every: float, today: Callable[[], date] = lambda: utcnow().date()) -> None:
        self.db = db
        self.every = every
        self.today = today
        self._task: asyncio.Task[None] | None = None

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
            await events.actions_overdue(s, due)
            await s.commit()
        return len(due)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="coaching:overdue")

    async def _loop(self) -> None:
        while True:
            try:
                while await self.run_once() == BATCH:
                    pass
            except Exception:  # the next sweep tries again
                log.exception("coaching: overdue sweep failed")
            await asyncio.sleep(self.every)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
