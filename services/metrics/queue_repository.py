"""Read-model queries of the coaching queue: who coaches whom on a day, the pairs' completed sessions, open
actions and programme pairs. One statement per question for any number of coaches; every statement is
filtered by the repository's tenant."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, or_, select

from common.repository import TenantRepository
from services.metrics.models import (
    CoachAssignment,
    CoachingAction,
    CoachingGoal,
    CoachingGoalReview,
    CoachingProgramme,
    CoachingSession,
    Person,
    ProgrammeParticipant,
    ReportingLine,
)


@dataclass(frozen=True)
class Link:
    """The coach coaches the seller on the day: an assignment in force, or the implicit manager link."""

    coach_id: uuid.UUID
    seller_id: uuid.UUID
    kind: str
    scope: tuple[str, ...]  # behaviour keys; empty = every behaviour


@dataclass(frozen=True)
class Held:
    id: uuid.UUID
    coach_id: uuid.UUID
    seller_id: uuid.UUID
    programme_id: uuid.UUID | None
    held_at: datetime


@dataclass(frozen=True)
class Pair:
    """A programme pair in its programme on the day, from `first` (its first day in it)."""

    programme_id: uuid.UUID
    name: str
    cadence_days: int
    coach_id: uuid.UUID
    seller_id: uuid.UUID
    first: date


def in_programme(p: CoachingProgramme, joined_on: date, left_on: date | None, on: date) -> date | None:
    """The pair's first day in the programme when it is in it on `on`, else None: max(joined_on, starts_on) <=
    on <= min(left_on - 1, ends_on) — the coaching service's rule (relationships/cadence.py)."""
    first = max(joined_on, p.starts_on)
    if on < first or (left_on is not None and on > left_on - timedelta(days=1)):
        return None
    if p.ends_on is not None and on > p.ends_on:
        return None
    return first


class QueueRepository(TenantRepository):
    async def links(self, coach_ids: Sequence[uuid.UUID], on: date) -> dict[uuid.UUID, list[Link]]:
        """Every coach's sellers on the day, as the coaching service counts them (relationships/coaches.py):
        assignments in force, plus each direct report whose manager coaches them, unless an unscoped assignment
        already links the two."""
        out: dict[uuid.UUID, list[Link]] = {c: [] for c in coach_ids}
        if not coach_ids:
            return out
        a = CoachAssignment
        stmt = select(a.coach_id, a.seller_id, a.kind, a.scope).where(
            a.tenant_id == self.tenant_id, a.coach_id.in_(list(coach_ids)), a.deleted.is_(False),
            a.starts_on <= on, or_(a.ends_on.is_(None), a.ends_on >= on))
        for coach, seller, kind, scope in (await self.s.execute(stmt)).all():
            out[coach].append(Link(coach, seller, kind, tuple(scope)))
        rl = ReportingLine
        reports = (select(rl.manager_id, rl.person_id)
                   .join(Person, and_(Person.tenant_id == rl.tenant_id, Person.id == rl.person_id))
                   .where(rl.tenant_id == self.tenant_id, rl.manager_id.in_(list(coach_ids)), rl.deleted.is_(False),
                          rl.valid_from <= on, or_(rl.valid_to.is_(None), rl.valid_to > on),
                          Person.deleted.is_(False), Person.manager_is_coach.is_(True)))
        for manager, seller in (await self.s.execute(reports)).all():
            if not any(link.seller_id == seller and not link.scope for link in out[manager]):
                out[manager].append(Link(manager, seller, "manager", ()))
        return out

    async def held(self, coach_ids: Sequence[uuid.UUID], first: datetime, end: datetime,
                   programmes_only: bool = False) -> list[Held]:
        """Completed sessions of these coaches held in [first, end), oldest first."""
        if not coach_ids:
            return []
        s = CoachingSession
        stmt = select(s.id, s.coach_id, s.seller_id, s.programme_id, s.held_at).where(
            s.tenant_id == self.tenant_id, s.coach_id.in_(list(coach_ids)), s.deleted.is_(False),
            s.status == "completed", s.held_at >= first, s.held_at < end)
        if programmes_only:
            stmt = stmt.where(s.programme_id.is_not(None))
        rows = (await self.s.execute(stmt.order_by(s.held_at, s.id))).all()
        return [Held(i, c, sl, p, held) for i, c, sl, p, held in rows if held is not None]

    async def overdue(self, coach_ids: Sequence[uuid.UUID], on: date) -> list[tuple[uuid.UUID, uuid.UUID, date]]:
        """(coach, seller, due day) of the open actions agreed with these coaches, due before `on`."""
        if not coach_ids:
            return []
        a = CoachingAction
        stmt = select(a.coach_id, a.seller_id, a.due_on).where(
            a.tenant_id == self.tenant_id, a.coach_id.in_(list(coach_ids)), a.deleted.is_(False),
            a.status == "open", a.due_on < on)
        return [(c, s, d) for c, s, d in (await self.s.execute(stmt)).all()]

    async def pairs(self, coach_ids: Sequence[uuid.UUID], on: date) -> list[Pair]:
        """The programme pairs of these coaches that are in their programme on `on`."""
        if not coach_ids:
            return []
        pp, p = ProgrammeParticipant, CoachingProgramme
        stmt = (select(pp.coach_id, pp.person_id, pp.joined_on, pp.left_on, p)
                .join(p, and_(p.tenant_id == pp.tenant_id, p.id == pp.programme_id))
                .where(pp.tenant_id == self.tenant_id, pp.coach_id.in_(list(coach_ids)), pp.deleted.is_(False),
                       p.deleted.is_(False)))
        out = []
        for coach, seller, joined_on, left_on, programme in (await self.s.execute(stmt)).all():
            first = in_programme(programme, joined_on, left_on, on)
            if first is not None and coach is not None:
                out.append(Pair(programme.id, programme.name, programme.cadence_days, coach, seller, first))
        return sorted(out, key=lambda x: (x.name, str(x.programme_id), str(x.coach_id), str(x.seller_id)))

    async def goals_due(self, coach_ids: Sequence[uuid.UUID], on: date) -> list[CoachingGoal]:
        """The goals agreed with these coaches whose terms in force reached their review day on or before `on`
        without a review of that revision (the goal's `version` is its agreed revision)."""
        if not coach_ids:
            return []
        g, r = CoachingGoal, CoachingGoalReview
        reviewed = exists().where(r.tenant_id == g.tenant_id, r.goal_id == g.id, r.revision == g.version,
                                  r.deleted.is_(False))
        stmt = select(g).where(g.tenant_id == self.tenant_id, g.coach_id.in_(list(coach_ids)), g.deleted.is_(False),
                               g.review_on <= on, ~reviewed)
        return list((await self.s.execute(stmt.order_by(g.review_on, g.id))).scalars())
