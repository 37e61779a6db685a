"""Read-model queries of scorecards and adoption: active behaviours with their indicators, people, the
reporting tree on a day. Every statement is filtered by the repository's tenant."""

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from common.repository import TenantRepository
from services.metrics.models import Behavior, BehaviorIndicator, Person
from services.metrics.org import ReadModelOrg


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
        return await ReadModelOrg(self.s, self.tenant_id).people(ids)

    async def everyone(self) -> list[uuid.UUID]:
        stmt = select(Person.id).where(Person.tenant_id == self.tenant_id, Person.deleted.is_(False),
                                       Person.active.is_(True))
        return sorted((await self.s.execute(stmt)).scalars().all())

    async def team(self, manager_id: uuid.UUID, day: date) -> list[uuid.UUID]:
        """Everyone under the manager on that day (the tree as it was then)."""
        return await ReadModelOrg(self.s, self.tenant_id).team(manager_id, day)
