"""The skeleton of a sweep that announces each occurrence once (overdue actions, goals due for review, programmes
fizzling, indicators off track): every `every` seconds, for each unit of work (a batch, or a tenant), one
transaction that

1. finds the candidates (PostgreSQL: taking the rows `FOR UPDATE SKIP LOCKED` where it can, so replicas share
   the work instead of waiting on each other);
2. takes them: a conditional write of the announced state — an UPDATE of the rows not marked yet, or an INSERT
   … ON CONFLICT DO NOTHING of a first state — that RETURNs what it changed. Only one writer can change a row
   from "not announced" to "announced": on PostgreSQL a second one waits for the first and re-checks the
   condition on the committed row; on SQLite a second writer waits for the write lock and then sees the row
   marked. So two sweepers at once, a second sweep or a restarted one never take an occurrence twice;
3. announces exactly what it took (events recorded into the outbox in the same transaction), and commits.

`mark` (an UPDATE) and `insert_new` (an INSERT) are the helpers for step 2."""

import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import ColumnElement, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import Database, utcnow
from common.periodic import Periodic

Unit = TypeVar("Unit")
Found = TypeVar("Found")
Taken = TypeVar("Taken")


class Sweep(ABC, Generic[Unit, Found, Taken]):
    """Subclasses say what a unit of work is, how candidates are found, taken and announced."""

    name: ClassVar[str]  # "coaching:overdue": the loop's name (and logger)
    batch: ClassVar[int] = 500

    def __init__(self, db: Database, *, every: float, today: Callable[[], date] = lambda: utcnow().date()) -> None:
        self.db = db
        self.every = every
        self.today = today
        self._loop = Periodic(self.name, self.run_once, every, until_idle=self.more)

    async def units(self, today: date) -> Sequence[Unit]:
        """The units of one run, each swept in its own transaction (default: one batch)."""
        return [None]  # type: ignore[list-item]

    def more(self, announced: int) -> bool:
        """Whether a run that announced this many should be followed by another at once (a full batch)."""
        return announced >= self.batch

    @abstractmethod
    async def find(self, session: AsyncSession, unit: Unit, today: date) -> Sequence[Found]: ...

    @abstractmethod
    async def take(self, session: AsyncSession, found: Sequence[Found], today: date) -> Sequence[Taken]:
        """Mark what was found as announced, by a conditional write; return only what this call changed."""

    @abstractmethod
    async def announce(self, session: AsyncSession, taken: Sequence[Taken], today: date) -> None: ...

    async def run_once(self) -> int:
        """One run over every unit; how many occurrences were announced."""
        today = self.today()
        announced = 0
        for unit in await self.units(today):
            async with self.db.sessions() as s:
                found = await self.find(s, unit, today)
                taken = await self.take(s, found, today) if found else []
                await self.announce(s, taken, today)
                await s.commit()
            announced += len(taken)
        return announced

    async def start(self) -> None:
        await self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()


async def mark(session: AsyncSession, model: Any, ids: Sequence[uuid.UUID], *, unmarked: ColumnElement[bool],
               values: Mapping[str, Any], returning: Sequence[Any] = ()) -> list[Any]:
    """UPDATE `model` SET `values` WHERE id IN `ids` AND `unmarked` RETURNING id (and `returning`): the rows this
    statement changed, which no other sweeper can have changed too. ORM objects already loaded are not refreshed
    (`returning` gives the new values)."""
    if not ids:
        return []
    stmt = (update(model).where(model.id.in_(list(ids)), unmarked).values(dict(values))
            .returning(model.id, *returning).execution_options(synchronize_session=False))
    return list((await session.execute(stmt)).all())


async def insert_new(session: AsyncSession, model: Any, rows: Sequence[Mapping[str, Any]]) -> set[uuid.UUID]:
    """INSERT the rows … ON CONFLICT (id) DO NOTHING RETURNING id: the ids this statement inserted (a row another
    sweeper inserted first is left alone, and not returned)."""
    if not rows:
        return set()
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(model).on_conflict_do_nothing(index_elements=["id"]).returning(model.id)
    return set((await session.execute(stmt, [dict(r) for r in rows])).scalars())
