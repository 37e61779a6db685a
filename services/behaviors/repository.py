"""Every query of the behaviors service. The tenant filter is applied here, nowhere else."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from common.repository import TenantRepository
from services.behaviors.models import (
    Assessment,
    AssessmentResponse,
    Behavior,
    BehaviorVersion,
    Indicator,
    Objective,
    Scenario,
)

AUDIENCE_BITS = {"seller": 1, "manager": 2, "leader": 4}


def audience_mask(roles: Sequence[str]) -> int:
    return sum(AUDIENCE_BITS[r] for r in set(roles))


class Repository(TenantRepository):

    def _page(self, stmt: Select[Any], model: Any, after: uuid.UUID | None, limit: int) -> Select[Any]:
        if after is not None:
            stmt = stmt.where(model.id > after)
        return stmt.order_by(model.id).limit(limit + 1)

    # ---- objectives
    async def objective(self, objective_id: uuid.UUID) -> Objective | None:
        stmt = select(Objective).where(Objective.tenant_id == self.tenant_id, Objective.id == objective_id)
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def objective_in_use(self, objective_id: uuid.UUID) -> bool:
        stmt = select(func.count()).select_from(Behavior).where(
            Behavior.tenant_id == self.tenant_id, Behavior.objective_id == objective_id)
        versions = select(func.count()).select_from(BehaviorVersion).where(
            BehaviorVersion.tenant_id == self.tenant_id, BehaviorVersion.objective_id == objective_id)
        assessments = select(func.count()).select_from(Assessment).where(
            Assessment.tenant_id == self.tenant_id, Assessment.objective_id == objective_id)
        return any([(await self.s.execute(q)).scalar_one() for q in (stmt, versions, assessments)])

    # ---- behaviours
    async def behavior(self, behavior_id: uuid.UUID, *, for_update: bool = False) -> Behavior | None:
        stmt = select(Behavior).where(Behavior.tenant_id == self.tenant_id, Behavior.id == behavior_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def behavior_by_key(self, key: str) -> Behavior | None:
        stmt = select(Behavior).where(Behavior.tenant_id == self.tenant_id, Behavior.key == key)
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def key_taken(self, key: str) -> bool:
        return await self.behavior_by_key(key) is not None

    async def behaviors(self, *, ids: Sequence[uuid.UUID] | None, keys: Sequence[str] | None,
                        status: str | None, audience: str | None, objective_id: uuid.UUID | None,
                        category: str | None, after: uuid.UUID | None, limit: int) -> list[Behavior]:
        stmt = select(Behavior).where(Behavior.tenant_id == self.tenant_id)
        if ids is not None:
            stmt = stmt.where(Behavior.id.in_(ids))
        if keys is not None:
            stmt = stmt.where(Behavior.key.in_(keys))
        if status is not None:
            stmt = stmt.where(Behavior.status == status)
        if audience is not None:
            stmt = stmt.where(Behavior.audience_mask.op("&")(AUDIENCE_BITS[audience]) != 0)
        if objective_id is not None:
            stmt = stmt.where(Behavior.objective_id == objective_id)
        if category is not None:
            stmt = stmt.where(Behavior.category == category)
        return list((await self.s.execute(self._page(stmt, Behavior, after, limit))).scalars())

    async def head_versions(self, behaviors: Sequence[Behavior]) -> dict[tuple[uuid.UUID, int], BehaviorVersion]:
        """The published and draft versions of each behaviour, with indicators, in one query."""
        if not behaviors:
            return {}
        stmt = (select(BehaviorVersion)
                .join(Behavior, and_(Behavior.id == BehaviorVersion.behavior_id,
                                     or_(BehaviorVersion.number == Behavior.current_version,
                                         BehaviorVersion.number == Behavior.draft_version)))
                .where(BehaviorVersion.tenant_id == self.tenant_id,
                       BehaviorVersion.behavior_id.in_([b.id for b in behaviors]))
                .options(selectinload(BehaviorVersion.indicators)))
        return {(v.behavior_id, v.number): v for v in (await self.s.execute(stmt)).scalars()}

    async def version(self, behavior_id: uuid.UUID, number: int) -> BehaviorVersion | None:
        stmt = (select(BehaviorVersion)
                .where(BehaviorVersion.tenant_id == self.tenant_id, BehaviorVersion.behavior_id == behavior_id,
                       BehaviorVersion.number == number)
                .options(selectinload(BehaviorVersion.indicators)))
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def versions(self, behavior_ids: Sequence[uuid.UUID]) -> list[BehaviorVersion]:
        stmt = (select(BehaviorVersion)
                .where(BehaviorVersion.tenant_id == self.tenant_id, BehaviorVersion.behavior_id.in_(behavior_ids))
                .options(selectinload(BehaviorVersion.indicators))
                .order_by(BehaviorVersion.behavior_id, BehaviorVersion.number))
        return list((await self.s.execute(stmt)).scalars())

    async def indicator_count(self, version_id: uuid.UUID) -> int:
        stmt = select(func.count()).select_from(Indicator).where(
            Indicator.tenant_id == self.tenant_id, Indicator.version_id == version_id)
        return int((await self.s.execute(stmt)).scalar_one())

    # ---- scenarios
    async def scenario(self, behavior_id: uuid.UUID, scenario_id: uuid.UUID) -> Scenario | None:
        stmt = select(Scenario).where(Scenario.tenant_id == self.tenant_id, Scenario.id == scenario_id,
                                      Scenario.behavior_id == behavior_id)
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def scenarios(self, behavior_ids: Sequence[uuid.UUID]) -> list[Scenario]:
        stmt = (select(Scenario)
                .where(Scenario.tenant_id == self.tenant_id, Scenario.behavior_id.in_(behavior_ids))
                .order_by(Scenario.behavior_id, Scenario.id))
        return list((await self.s.execute(stmt)).scalars())

    async def scenario_count(self, behavior_id: uuid.UUID) -> int:
        stmt = select(func.count()).select_from(Scenario).where(
            Scenario.tenant_id == self.tenant_id, Scenario.behavior_id == behavior_id)
        return int((await self.s.execute(stmt)).scalar_one())

    # ---- assessments
    async def assessment(self, assessment_id: uuid.UUID, *, for_update: bool = False) -> Assessment | None:
        stmt = select(Assessment).where(Assessment.tenant_id == self.tenant_id, Assessment.id == assessment_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def assessments(self, *, ids: Sequence[uuid.UUID] | None, after: uuid.UUID | None,
                          limit: int) -> list[Assessment]:
        stmt = select(Assessment).where(Assessment.tenant_id == self.tenant_id)
        if ids is not None:
            stmt = stmt.where(Assessment.id.in_(ids))
        return list((await self.s.execute(self._page(stmt, Assessment, after, limit))).scalars())

    async def response(self, assessment_id: uuid.UUID, respondent: str) -> AssessmentResponse | None:
        stmt = select(AssessmentResponse).where(
            AssessmentResponse.tenant_id == self.tenant_id, AssessmentResponse.assessment_id == assessment_id,
            AssessmentResponse.respondent == respondent)
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def responses(self, assessment_id: uuid.UUID) -> list[AssessmentResponse]:
        stmt = (select(AssessmentResponse)
                .where(AssessmentResponse.tenant_id == self.tenant_id,
                       AssessmentResponse.assessment_id == assessment_id)
                .order_by(AssessmentResponse.respondent))
        return list((await self.s.execute(stmt)).scalars())
