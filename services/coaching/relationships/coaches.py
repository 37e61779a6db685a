"""Who coaches whom on a given day: explicit assignments, plus the seller's manager unless turned off."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.coaching.models import CoachAssignment, Person, ReportingLine
from services.coaching.org import Org, in_force


@dataclass(frozen=True)
class CoachLink:
    coach_id: uuid.UUID
    seller_id: uuid.UUID
    kind: str  # manager | trainer | sales_engineer | product_marketer | presales | peer | leader
    scope: tuple[str, ...]  # behaviour keys; empty = all
    assignment_id: uuid.UUID | None  # None for the implicit manager link

    def covers(self, behavior_keys: Sequence[str]) -> bool:
        return not self.scope or all(k in self.scope for k in behavior_keys)


async def coaches_of(s: AsyncSession, tenant_id: uuid.UUID, seller_ids: Sequence[uuid.UUID],
                     as_of: date) -> dict[uuid.UUID, list[CoachLink]]:
    """Every seller's coaches on that day, in two queries plus one for managers."""
    out: dict[uuid.UUID, list[CoachLink]] = {sid: [] for sid in seller_ids}
    if not seller_ids:
        return out
    stmt = select(CoachAssignment).where(
        CoachAssignment.tenant_id == tenant_id, CoachAssignment.seller_id.in_(seller_ids),
        CoachAssignment.starts_on <= as_of,
        or_(CoachAssignment.ends_on.is_(None), CoachAssignment.ends_on >= as_of))
    for a in (await s.execute(stmt)).scalars():
        out[a.seller_id].append(CoachLink(a.coach_id, a.seller_id, a.kind, tuple(a.scope), a.id))
    opted_in = select(Person.id).where(Person.tenant_id == tenant_id, Person.id.in_(seller_ids),
                                       Person.manager_is_coach.is_(True))
    with_manager = [pid for pid in (await s.execute(opted_in)).scalars()]
    managers = await Org(s, tenant_id).managers_of(with_manager, as_of)
    for seller_id, manager_id in managers.items():
        if not any(link.coach_id == manager_id and not link.scope for link in out[seller_id]):
            out[seller_id].append(CoachLink(manager_id, seller_id, "manager", (), None))
    return out


async def coachees_of(s: AsyncSession, tenant_id: uuid.UUID, coach_ids: Sequence[uuid.UUID],
                      as_of: date) -> dict[uuid.UUID, list[CoachLink]]:
    """Every coach's sellers on that day: the mirror of `coaches_of`, in two queries.

    A link appears here exactly when it appears in `coaches_of` for its seller: explicit assignments in
    force, plus each direct report of the coach who keeps their manager as coach, unless an unscoped
    assignment already links the two."""
    out: dict[uuid.UUID, list[CoachLink]] = {cid: [] for cid in coach_ids}
    if not coach_ids:
        return out
    stmt = select(CoachAssignment).where(
        CoachAssignment.tenant_id == tenant_id, CoachAssignment.coach_id.in_(coach_ids),
        CoachAssignment.starts_on <= as_of,
        or_(CoachAssignment.ends_on.is_(None), CoachAssignment.ends_on >= as_of))
    for a in (await s.execute(stmt)).scalars():
        out[a.coach_id].append(CoachLink(a.coach_id, a.seller_id, a.kind, tuple(a.scope), a.id))
    reports = (select(ReportingLine.manager_id, ReportingLine.person_id)
               .join(Person, Person.id == ReportingLine.person_id)
               .where(ReportingLine.tenant_id == tenant_id, ReportingLine.manager_id.in_(coach_ids), in_force(as_of),
                      Person.tenant_id == tenant_id, Person.manager_is_coach.is_(True)))
    for manager_id, seller_id in (await s.execute(reports)).all():
        if not any(link.seller_id == seller_id and not link.scope for link in out[manager_id]):
            out[manager_id].append(CoachLink(manager_id, seller_id, "manager", (), None))
    return out


async def may_coach(s: AsyncSession, tenant_id: uuid.UUID, coach_id: uuid.UUID, seller_id: uuid.UUID,
                    behavior_keys: Sequence[str], as_of: date) -> bool:
    """True when `coach_id` coaches `seller_id` on that day for all of `behavior_keys`."""
    links = (await coaches_of(s, tenant_id, [seller_id], as_of))[seller_id]
    return any(link.coach_id == coach_id and link.covers(behavior_keys) for link in links)
