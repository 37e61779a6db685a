"""Announcing overdue actions: an open action whose due day has passed gets one `action.overdue` event (a CRM
can turn it into a task). A sweep (common/sweep.py) runs every `overdue_sweep_seconds` across tenants, in
batches; each action is marked with the day it was announced, in the same transaction as its event, by an UPDATE
that only takes actions not marked yet (and bumps their version), and only what it took is announced — so two
sweepers at once (on SQLite too), a second sweep or a restart never announce one action twice (PostgreSQL also
takes the rows `FOR UPDATE SKIP LOCKED`, so replicas share the work)."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from common.sweep import Sweep, mark
from services.coaching import events
from services.coaching.models import Action


class OverdueSweeper(Sweep[None, Action, Action]):
    name = "coaching:overdue"

    async def find(self, session: AsyncSession, unit: None, today: date) -> Sequence[Action]:
        stmt = (select(Action).where(Action.status == "open", Action.due_on < today,
                                     Action.overdue_announced_on.is_(None))
                .order_by(Action.due_on, Action.id).limit(self.batch))
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        return list((await session.execute(stmt)).scalars())

    async def take(self, session: AsyncSession, found: Sequence[Action], today: date) -> Sequence[Action]:
        taken = dict(await mark(session, Action, [a.id for a in found],
                                unmarked=Action.overdue_announced_on.is_(None),
                                values={"overdue_announced_on": today, "version": Action.version + 1},
                                returning=[Action.version]))
        for action in found:  # the loaded rows as now stored (the UPDATE did not refresh them; nothing to flush)
            if action.id in taken:
                set_committed_value(action, "overdue_announced_on", today)
                set_committed_value(action, "version", taken[action.id])
        return [a for a in found if a.id in taken]

    async def announce(self, session: AsyncSession, taken: Sequence[Action], today: date) -> None:
        await events.actions_overdue(session, taken)
