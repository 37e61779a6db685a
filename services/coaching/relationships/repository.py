"""Every query of coach assignments and programmes. Each is filtered by the repository's tenant."""

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, and_, case, delete, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from common.repository import TenantRepository
from services.coaching.models import CoachAssignment, Person, Programme, ProgrammePair, Session
from services.coaching.relationships.coaches import CoachLink, coachees_of, coaches_of, may_coach


def _page(stmt: Select[Any], model: Any, after: uuid.UUID | None, limit: int) -> Select[Any]:
    if after is not None:
        stmt = stmt.where(model.id > after)
    return stmt.order_by(model.id).limit(limit + 1)


def session_time() -> Any:
    """When a completed session happened: held_at (scheduled_at should it be missing)."""
    return func.coalesce(Session.held_at, Session.scheduled_at)


class utc_day(FunctionElement[date]):
    """The UTC calendar day of a timestamp, the same on both backends (PostgreSQL would otherwise use the
    connection's time zone)."""

    type = Date()
    name = "utc_day"
    inherit_cache = True


@compiles(utc_day, "postgresql")
def _utc_day_pg(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC' AS DATE)"


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"  # stored as naive UTC text


def in_membership() -> ColumnElement[bool]:
    """The session (joined to its ProgrammePair and Programme) was held on a day the pair was in the programme."""
    day = utc_day(session_time())
    return and_(day >= ProgrammePair.joined_on, or_(ProgrammePair.left_on.is_(None), day < ProgrammePair.left_on),
                day >= Programme.starts_on, or_(Programme.ends_on.is_(None), day <= Programme.ends_on))


def pair_sessions(tenant_id: uuid.UUID) -> Select[Any]:
    """FROM completed sessions joined to the programme pair (and programme) they were held in."""
    return (select(Session.id).select_from(Session)
            .join(ProgrammePair, and_(ProgrammePair.tenant_id == tenant_id,
                                      ProgrammePair.programme_id == Session.programme_id,
                                      ProgrammePair.coach_id == Session.coach_id,
                                      ProgrammePair.seller_id == Session.seller_id))
            .join(Programme, and_(Programme.tenant_id == tenant_id, Programme.id == Session.programme_id))
            .where(Session.tenant_id == tenant_id, Session.status == "completed", in_membership()))


class Repository(TenantRepository):
    # ---- people
    async def people(self, ids: Sequence[uuid.UUID], *, for_update: bool = False) -> dict[uuid.UUID, Person]:
        if not ids:
            return {}
        stmt = select(Person).where(Person.tenant_id == self.tenant_id, Person.id.in_(set(ids)))
        if for_update:
            stmt = stmt.order_by(Person.id).with_for_update()
        return {p.id: p for p in (await self.s.execute(stmt)).scalars()}

    async def person_exists(self, person_id: uuid.UUID) -> bool:
        stmt = select(Person.id).where(Person.tenant_id == self.tenant_id, Person.id == person_id)
        return (await self.s.execute(stmt)).first() is not None

    # ---- who coaches whom
    async def coaches_of(self, seller_ids: Sequence[uuid.UUID], as_of: date) -> dict[uuid.UUID, list[CoachLink]]:
        return await coaches_of(self.s, self.tenant_id, seller_ids, as_of)

    async def coachees_of(self, coach_ids: Sequence[uuid.UUID], as_of: date) -> dict[uuid.UUID, list[CoachLink]]:
        return await coachees_of(self.s, self.tenant_id, coach_ids, as_of)

    async def may_coach(self, coach_id: uuid.UUID, seller_id: uuid.UUID, behavior_keys: Sequence[str],
                        as_of: date) -> bool:
        return await may_coach(self.s, self.tenant_id, coach_id, seller_id, behavior_keys, as_of)

    # ---- coach assignments
    async def assignment(self, assignment_id: uuid.UUID, *, for_update: bool = False) -> CoachAssignment | None:
        stmt = select(CoachAssignment).where(CoachAssignment.tenant_id == self.tenant_id,
                                             CoachAssignment.id == assignment_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def assignments(self, *, ids: Sequence[uuid.UUID] | None, coach_id: uuid.UUID | None,
                          seller_id: uuid.UUID | None, active_on: date | None, after: uuid.UUID | None,
                          limit: int) -> list[CoachAssignment]:
        stmt = select(CoachAssignment).where(CoachAssignment.tenant_id == self.tenant_id)
        if ids is not None:
            stmt = stmt.where(CoachAssignment.id.in_(ids))
        if coach_id is not None:
            stmt = stmt.where(CoachAssignment.coach_id == coach_id)
        if seller_id is not None:
            stmt = stmt.where(CoachAssignment.seller_id == seller_id)
        if active_on is not None:
            stmt = stmt.where(CoachAssignment.starts_on <= active_on,
                              or_(CoachAssignment.ends_on.is_(None), CoachAssignment.ends_on >= active_on))
        return list((await self.s.execute(_page(stmt, CoachAssignment, after, limit))).scalars())

    async def overlapping_assignments(self, coach_id: uuid.UUID, seller_id: uuid.UUID, starts_on: date,
                                      ends_on: date | None) -> list[CoachAssignment]:
        """The same coach and seller's assignments whose period meets [starts_on, ends_on]."""
        stmt = select(CoachAssignment).where(
            CoachAssignment.tenant_id == self.tenant_id, CoachAssignment.coach_id == coach_id,
            CoachAssignment.seller_id == seller_id,
            or_(CoachAssignment.ends_on.is_(None), CoachAssignment.ends_on >= starts_on))
        if ends_on is not None:
            stmt = stmt.where(CoachAssignment.starts_on <= ends_on)
        return list((await self.s.execute(stmt.order_by(CoachAssignment.id))).scalars())

    # ---- programmes
    async def programme(self, programme_id: uuid.UUID, *, for_update: bool = False) -> Programme | None:
        stmt = select(Programme).where(Programme.tenant_id == self.tenant_id, Programme.id == programme_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def programmes(self, *, ids: Sequence[uuid.UUID] | None, owner_id: uuid.UUID | None,
                         coach_id: uuid.UUID | None, seller_id: uuid.UUID | None, active_on: date | None,
                         after: uuid.UUID | None, limit: int) -> list[Programme]:
        stmt = select(Programme).where(Programme.tenant_id == self.tenant_id)
        if ids is not None:
            stmt = stmt.where(Programme.id.in_(ids))
        if owner_id is not None:
            stmt = stmt.where(Programme.owner_id == owner_id)
        if active_on is not None:
            stmt = stmt.where(Programme.starts_on <= active_on,
                              or_(Programme.ends_on.is_(None), Programme.ends_on >= active_on))
        if coach_id is not None or seller_id is not None:
            pairs = select(ProgrammePair.programme_id).where(ProgrammePair.tenant_id == self.tenant_id)
            if coach_id is not None:
                pairs = pairs.where(ProgrammePair.coach_id == coach_id)
            if seller_id is not None:
                pairs = pairs.where(ProgrammePair.seller_id == seller_id)
            stmt = stmt.where(Programme.id.in_(pairs))
        return list((await self.s.execute(_page(stmt, Programme, after, limit))).scalars())

    async def pairs(self, programme_ids: Sequence[uuid.UUID]) -> list[ProgrammePair]:
        if not programme_ids:
            return []
        stmt = (select(ProgrammePair)
                .where(ProgrammePair.tenant_id == self.tenant_id, ProgrammePair.programme_id.in_(programme_ids))
                .order_by(ProgrammePair.programme_id, ProgrammePair.id))
        return list((await self.s.execute(stmt)).scalars())

    async def pair(self, programme_id: uuid.UUID, pair_id: uuid.UUID, *,
                   for_update: bool = False) -> ProgrammePair | None:
        stmt = select(ProgrammePair).where(ProgrammePair.tenant_id == self.tenant_id,
                                           ProgrammePair.programme_id == programme_id, ProgrammePair.id == pair_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def pair_of(self, programme_id: uuid.UUID, coach_id: uuid.UUID,
                      seller_id: uuid.UUID) -> ProgrammePair | None:
        stmt = select(ProgrammePair).where(
            ProgrammePair.tenant_id == self.tenant_id, ProgrammePair.programme_id == programme_id,
            ProgrammePair.coach_id == coach_id, ProgrammePair.seller_id == seller_id)
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def programme_session_count(self, programme_id: uuid.UUID) -> int:
        stmt = select(func.count()).select_from(Session).where(Session.tenant_id == self.tenant_id,
                                                              Session.programme_id == programme_id)
        return int((await self.s.execute(stmt)).scalar_one())

    async def delete_pair(self, pair: ProgrammePair) -> None:
        assert pair.tenant_id == self.tenant_id
        await self.s.delete(pair)

    async def delete_programme(self, programme: Programme) -> None:
        assert programme.tenant_id == self.tenant_id
        await self.s.execute(delete(ProgrammePair).where(ProgrammePair.tenant_id == self.tenant_id,
                                                         ProgrammePair.programme_id == programme.id))
        await self.s.delete(programme)

    # ---- programme health
    async def held_by_pair(self, programme_ids: Sequence[uuid.UUID], window: tuple[date | None, date],
                           recent: tuple[date, date]) -> dict[uuid.UUID, tuple[int, int]]:
        """Completed sessions of each pair of these programmes held while the pair was in it: (within
        `window`, within `recent`), each [first day, last day] in UTC days; a window without a first day
        starts at each programme's own start. One GROUP BY query for all the programmes."""
        if not programme_ids:
            return {}
        day = utc_day(session_time())
        lo = Programme.starts_on if window[0] is None else window[0]

        def within(first: Any, last: date) -> Any:
            return func.sum(case((and_(day >= first, day <= last), 1), else_=0))

        stmt = (pair_sessions(self.tenant_id)
                .with_only_columns(ProgrammePair.id, within(lo, window[1]), within(*recent),
                                   maintain_column_froms=True)
                .where(Session.programme_id.in_(programme_ids))
                .group_by(ProgrammePair.id))
        return {pid: (int(a or 0), int(b or 0)) for pid, a, b in (await self.s.execute(stmt)).all()}
