"""Read-model queries of scorecards and adoption: active behaviours with their indicators, people, the
reporting tree on a day. Every statement is filtered by the repository's tenant."""

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from common.repository import TenantRepository
from services.metrics.models import Behavior, BehaviorIndicator, Person
from services.metrics.org import Org
from services.metrics.repository import QueryRepository


class AnalysisRepository(TenantRepository):
    async def active_behaviors(self, key: str | None = None) -> list[tuple[Behavior, list[BehaviorIndicator]]]:
        stmt = select(Behavior).where(Behavior.tenant_id == self.tenant_id, Behavior.status == "active",
                                      Behavior.deleted.is_(False))
        if key is not None:
            stmt = stmt.where(Behavior.key == key)
        behaviors = list((await self.s.execute(stmt.order_by(Behavior.key))).scalars())
        if not behaviors:
            return []
        rows = (await self.s.execute(
            select(BehaviorIndicator).where(BehaviorIndicator.tenant_id == self.tenant_id,
                                            BehaviorIndicator.behavior_id.in_([b.id for b in behaviors]))
            .order_by(BehaviorIndicator.metric_key, BehaviorIndicator.id))).scalars()
        indicators: dict[uuid.UUID, list[BehaviorIndicator]] = {b.id: [] for b in behaviors}
        for i in rows:
            indicators[i.behavior_id].append(i)
        return [(b, indicators[b.id]) for b in behaviors]

    async def people(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Person]:
        """People (not deleted) by id."""
        out: dict[uuid.UUID, Person] = {}
        wanted = sorted(set(ids))
        for i in range(0, len(wanted), 500):
            stmt = select(Person).where(Person.tenant_id == self.tenant_id, Person.id.in_(wanted[i:i + 500]),
                                        Person.deleted.is_(False))
            out.update((p.id, p) for p in (await self.s.execute(stmt)).scalars())
        return out

    async def everyone(self) -> list[uuid.UUID]:
        stmt = select(Person.id).where(Person.tenant_id == self.tenant_id, Person.deleted.is_(False),
                                       Person.active.is_(True))
        return sorted((await self.s.execute(stmt)).scalars().all())

    async def team(self, manager_id: uuid.UUID, day: date) -> list[uuid.UUID]:
        """Everyone under the manager on that day (the tree as it was then)."""
        lines = await QueryRepository(self.s, self.tenant_id).subtree_lines(manager_id, day, day)
        return sorted(Org(lines).team(manager_id, day))
