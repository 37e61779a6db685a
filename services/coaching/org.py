"""The reporting tree as it was on a given day. Every query is tenant-scoped.

A line is in force on day d when valid_from <= d and (valid_to is null or d < valid_to).
"""

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, and_, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.coaching.models import ReportingLine

MAX_DEPTH = 32  # no real org is deeper; it also bounds the walk should data ever be corrupt


def in_force(as_of: date) -> ColumnElement[bool]:
    return and_(ReportingLine.valid_from <= as_of,
                or_(ReportingLine.valid_to.is_(None), ReportingLine.valid_to > as_of))


class Org:
    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        self.s = session
        self.tenant_id = tenant_id

    async def managers_of(self, person_ids: Sequence[uuid.UUID], as_of: date) -> dict[uuid.UUID, uuid.UUID]:
        """Each person's manager on that day (people without one are left out)."""
        if not person_ids:
            return {}
        stmt = select(ReportingLine.person_id, ReportingLine.manager_id).where(
            ReportingLine.tenant_id == self.tenant_id, ReportingLine.person_id.in_(person_ids), in_force(as_of))
        return {p: m for p, m in (await self.s.execute(stmt)).all()}

    async def manager_of(self, person_id: uuid.UUID, as_of: date) -> uuid.UUID | None:
        return (await self.managers_of([person_id], as_of)).get(person_id)

    async def direct_reports(self, manager_ids: Sequence[uuid.UUID], as_of: date) -> dict[uuid.UUID, list[uuid.UUID]]:
        out: dict[uuid.UUID, list[uuid.UUID]] = {m: [] for m in manager_ids}
        if not manager_ids:
            return out
        stmt = (select(ReportingLine.manager_id, ReportingLine.person_id)
                .where(ReportingLine.tenant_id == self.tenant_id, ReportingLine.manager_id.in_(manager_ids),
                       in_force(as_of))
                .order_by(ReportingLine.person_id))
        for manager, person in (await self.s.execute(stmt)).all():
            out[manager].append(person)
        return out

    async def tree(self, manager_id: uuid.UUID, as_of: date) -> list[tuple[uuid.UUID, uuid.UUID, int]]:
        """Everyone under `manager_id` on that day as (person, their manager, depth ≥ 1), one recursive query."""
        base = (select(ReportingLine.person_id.label("person_id"), ReportingLine.manager_id.label("manager_id"),
                       literal(1).label("depth"))
                .where(ReportingLine.tenant_id == self.tenant_id, ReportingLine.manager_id == manager_id,
                       in_force(as_of))
                .cte("tree", recursive=True))
        step = (select(ReportingLine.person_id, ReportingLine.manager_id, (base.c.depth + 1).label("depth"))
                .join(base, ReportingLine.manager_id == base.c.person_id)
                .where(ReportingLine.tenant_id == self.tenant_id, in_force(as_of), base.c.depth < MAX_DEPTH))
        tree = base.union(step)
        rows = (await self.s.execute(select(tree.c.person_id, tree.c.manager_id, tree.c.depth)
                                     .order_by(tree.c.depth, tree.c.person_id))).all()
        seen: dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID, int]] = {}
        for person, manager, depth in rows:
            seen.setdefault(person, (person, manager, depth))
        return list(seen.values())

    async def team(self, manager_id: uuid.UUID, as_of: date) -> list[uuid.UUID]:
        """The ids of everyone in the tree under a manager on that day."""
        return [person for person, _, _ in await self.tree(manager_id, as_of)]

    async def chain_above(self, person_id: uuid.UUID, as_of: date) -> list[uuid.UUID]:
        """The person's manager, their manager, … on that day (stops at the top or at a repeat)."""
        chain: list[uuid.UUID] = []
        current = person_id
        for _ in range(MAX_DEPTH):
            manager = await self.manager_of(current, as_of)
            if manager is None or manager in chain or manager == person_id:
                break
            chain.append(manager)
            current = manager
        return chain
