"""The reporting tree as it was on a given day, from the read model's effective-dated lines.

A line is in force on day d when valid_from <= d and (valid_to is null or d < valid_to). A manager's team on
a day is everyone below them (directly or not) through lines in force that day — the manager not included.
Deleted lines and people do not count.

`Org` walks lines already loaded (series: one recursive query over the manager's subtree across a window,
then the tree of each day in memory — days between the same line changes share it). `ReadModelOrg` asks the
database for one day's tree (one recursive query) and for people by id.
"""

import uuid
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.metrics.models import Person, ReportingLine

MAX_DEPTH = 32  # bounds the database walk should data ever be cyclic


@dataclass(frozen=True)
class Line:
    person_id: uuid.UUID
    manager_id: uuid.UUID
    valid_from: date
    valid_to: date | None

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


class Org:
    def __init__(self, lines: Iterable[Line]) -> None:
        self.lines = list(lines)
        changes = {ln.valid_from for ln in self.lines} | {ln.valid_to for ln in self.lines if ln.valid_to}
        self.changes = sorted(changes)
        self._teams: dict[tuple[uuid.UUID, int], frozenset[uuid.UUID]] = {}

    def team(self, manager_id: uuid.UUID, day: date) -> frozenset[uuid.UUID]:
        """Everyone under `manager_id` on `day` (cycles in bad data end the walk, they do not loop it)."""
        state = bisect_right(self.changes, day)  # days with the same state have the same lines in force
        cached = self._teams.get((manager_id, state))
        if cached is not None:
            return cached
        reports: dict[uuid.UUID, list[uuid.UUID]] = {}
        for ln in self.lines:
            if ln.in_force(day):
                reports.setdefault(ln.manager_id, []).append(ln.person_id)
        seen: set[uuid.UUID] = set()
        frontier = [manager_id]
        while frontier:
            nxt = []
            for m in frontier:
                for p in reports.get(m, ()):
                    if p not in seen and p != manager_id:
                        seen.add(p)
                        nxt.append(p)
            frontier = nxt
        team = frozenset(seen)
        self._teams[(manager_id, state)] = team
        return team


def in_force(as_of: date) -> ColumnElement[bool]:
    return and_(ReportingLine.deleted.is_(False), ReportingLine.valid_from <= as_of,
                or_(ReportingLine.valid_to.is_(None), ReportingLine.valid_to > as_of))


class ReadModelOrg:
    """One day's tree and people by id, straight from the read model, tenant-scoped."""

    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        self.s = session
        self.tenant_id = tenant_id

    async def team(self, manager_id: uuid.UUID, as_of: date) -> list[uuid.UUID]:
        """Everyone under `manager_id` on that day (directly or not), sorted; one recursive query."""
        base = (select(ReportingLine.person_id.label("person_id"), literal(1).label("depth"))
                .where(ReportingLine.tenant_id == self.tenant_id, ReportingLine.manager_id == manager_id,
                       in_force(as_of))
                .cte("tree", recursive=True))
        step = (select(ReportingLine.person_id, (base.c.depth + 1).label("depth"))
                .join(base, ReportingLine.manager_id == base.c.person_id)
                .where(ReportingLine.tenant_id == self.tenant_id, in_force(as_of), base.c.depth < MAX_DEPTH))
        found = set((await self.s.execute(select(base.union(step).c.person_id))).scalars())
        found.discard(manager_id)
        return sorted(found)

    async def people(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Person]:
        """People (not deleted) by id."""
        out: dict[uuid.UUID, Person] = {}
        wanted = sorted(set(ids))
        for i in range(0, len(wanted), 500):
            stmt = select(Person).where(Person.tenant_id == self.tenant_id, Person.id.in_(wanted[i:i + 500]),
                                        Person.deleted.is_(False))
            out.update((p.id, p) for p in (await self.s.execute(stmt)).scalars())
        return out
