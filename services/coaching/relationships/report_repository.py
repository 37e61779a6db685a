"""The queries of the coaching activity report: a fixed handful of GROUP BY queries whatever the number
of coaches or teams. Each is filtered by the repository's tenant.

A report groups rows by a key: the coach (`group_by=coach`) or the team (`group_by=team`: a manager and
everyone under them on the report's last day — a seller counts in every team above them). A `root`
manager limits the report to the sellers of their tree (coach rows) or to the teams of their tree,
their own included (team rows).
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import CTE, ColumnElement, Select, and_, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.coaching.models import Action, Person, Programme, ProgrammePair, Rating, ReportingLine, Session
from services.coaching.org import MAX_DEPTH, in_force
from services.coaching.relationships.repository import pair_sessions, session_time


@dataclass(frozen=True)
class SessionTotals:
    held: int
    with_actions: int
    rated: int
    relevant: float | None
    developmental: float | None
    motivational: float | None


@dataclass(frozen=True)
class PairRow:
    id: uuid.UUID
    programme_id: uuid.UUID
    coach_id: uuid.UUID
    seller_id: uuid.UUID
    joined_on: date
    left_on: date | None
    starts_on: date
    ends_on: date | None
    cadence_days: int


def _float(v: Any) -> float | None:
    return None if v is None else float(v)


class ReportRepository:
    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID, *, group_by: str, as_of: date,
                 root: uuid.UUID | None) -> None:
        self.s = session
        self.tenant_id = tenant_id
        self.group_by = group_by
        self.as_of = as_of
        self.root = root
        self._tree = self._tree_cte() if root is not None else None
        self._closure = self._closure_cte() if group_by == "team" else None

    # ---- the reporting tree on `as_of`, as CTEs
    def _lines(self) -> ColumnElement[bool]:
        return and_(ReportingLine.tenant_id == self.tenant_id, in_force(self.as_of))

    def _tree_cte(self) -> CTE:
        """Everyone under the root manager."""
        base = (select(ReportingLine.person_id.label("person_id"), literal(1).label("depth"))
                .where(self._lines(), ReportingLine.manager_id == self.root)
                .cte("report_tree", recursive=True))
        step = (select(ReportingLine.person_id, (base.c.depth + 1).label("depth"))
                .join(base, ReportingLine.manager_id == base.c.person_id)
                .where(self._lines(), base.c.depth < MAX_DEPTH))
        return base.union(step)

    def _closure_cte(self) -> Any:
        """(team_id, person_id): every manager of the scope with everyone under them, each pair once."""
        base_q = select(ReportingLine.manager_id.label("team_id"), ReportingLine.person_id.label("person_id"),
                        literal(1).label("depth")).where(self._lines())
        if self._tree is not None:
            base_q = base_q.where(or_(ReportingLine.manager_id == self.root,
                                      ReportingLine.manager_id.in_(select(self._tree.c.person_id))))
        base = base_q.cte("report_closure", recursive=True)
        step = (select(base.c.team_id, ReportingLine.person_id, (base.c.depth + 1).label("depth"))
                .join(base, ReportingLine.manager_id == base.c.person_id)
                .where(self._lines(), base.c.depth < MAX_DEPTH))
        closure = base.union(step)
        return select(closure.c.team_id, closure.c.person_id).distinct().subquery("report_teams")

    def _key(self, coach: Any) -> Any:
        """The grouping column: the team (its manager) or the coach."""
        return self._closure.c.team_id if self._closure is not None else coach

    def _scoped(self, stmt: Select[Any], seller: Any) -> Select[Any]:
        """Restrict `stmt` to the report's scope through the seller column of its rows."""
        if self._closure is not None:
            return stmt.join(self._closure, self._closure.c.person_id == seller)
        if self._tree is not None:
            return stmt.where(seller.in_(select(self._tree.c.person_id)))
        return stmt

    # ---- the queries
    async def session_totals(self, start: datetime, end: datetime) -> dict[uuid.UUID, SessionTotals]:
        """Completed sessions held in [start, end) per key: count, with an action, rated, rating averages."""
        with_action = (select(Action.session_id).where(Action.tenant_id == self.tenant_id)
                       .group_by(Action.session_id).subquery("with_action"))
        when = session_time()
        key = self._key(Session.coach_id)
        stmt = (select(key, func.count(Session.id), func.count(with_action.c.session_id),
                       func.count(Rating.session_id), func.avg(Rating.relevant), func.avg(Rating.developmental),
                       func.avg(Rating.motivational))
                .select_from(Session)
                .outerjoin(with_action, with_action.c.session_id == Session.id)
                .outerjoin(Rating, and_(Rating.session_id == Session.id, Rating.tenant_id == self.tenant_id))
                .where(Session.tenant_id == self.tenant_id, Session.status == "completed", when >= start, when < end))
        stmt = self._scoped(stmt, Session.seller_id).group_by(key)
        return {k: SessionTotals(int(n), int(acted), int(rated), _float(r), _float(d), _float(m))
                for k, n, acted, rated, r, d, m in (await self.s.execute(stmt)).all()}

    async def pair_sessions(self, start: datetime, end: datetime) -> dict[tuple[uuid.UUID, uuid.UUID], int]:
        """Completed sessions held in [start, end) by a programme pair while in its programme, per (key, pair)."""
        when = session_time()
        cols = (self._key(Session.coach_id), ProgrammePair.id)
        stmt = (pair_sessions(self.tenant_id)
                .with_only_columns(*cols, func.count(Session.id), maintain_column_froms=True)
                .where(when >= start, when < end))
        stmt = self._scoped(stmt, Session.seller_id).group_by(*cols)
        return {(k, pid): int(n) for k, pid, n in (await self.s.execute(stmt)).all()}

    async def pairs(self, lo: date, hi: date) -> list[tuple[uuid.UUID, PairRow]]:
        """(key, pair) for every programme pair whose membership meets [lo, hi]."""
        stmt = (select(self._key(ProgrammePair.coach_id), ProgrammePair.id, ProgrammePair.programme_id,
                       ProgrammePair.coach_id,
                       ProgrammePair.seller_id, ProgrammePair.joined_on, ProgrammePair.left_on,
                       Programme.starts_on, Programme.ends_on, Programme.cadence_days)
                .select_from(ProgrammePair)
                .join(Programme, and_(Programme.id == ProgrammePair.programme_id,
                                      Programme.tenant_id == self.tenant_id))
                .where(ProgrammePair.tenant_id == self.tenant_id, ProgrammePair.joined_on <= hi,
                       or_(ProgrammePair.left_on.is_(None), ProgrammePair.left_on > lo),
                       Programme.starts_on <= hi, or_(Programme.ends_on.is_(None), Programme.ends_on >= lo)))
        stmt = self._scoped(stmt, ProgrammePair.seller_id)
        return [(row[0], PairRow(*row[1:])) for row in (await self.s.execute(stmt)).all()]

    async def open_actions(self, end: datetime, overdue_before: date) -> dict[uuid.UUID, tuple[int, int]]:
        """Actions open now and agreed before `end`, per key: (open, of which due before `overdue_before`)."""
        key = self._key(Action.coach_id)
        stmt = (select(key, func.count(Action.id), func.sum(case((Action.due_on < overdue_before, 1), else_=0)))
                .select_from(Action)
                .where(Action.tenant_id == self.tenant_id, Action.status == "open", Action.created_at < end))
        stmt = self._scoped(stmt, Action.seller_id).group_by(key)
        return {k: (int(n), int(late or 0)) for k, n, late in (await self.s.execute(stmt)).all()}

    async def team_sizes(self) -> dict[uuid.UUID, int]:
        assert self._closure is not None
        stmt = (select(self._closure.c.team_id, func.count(self._closure.c.person_id))
                .group_by(self._closure.c.team_id))
        return {k: int(n) for k, n in (await self.s.execute(stmt)).all()}

    async def names(self, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not ids:
            return {}
        stmt = select(Person.id, Person.name).where(Person.tenant_id == self.tenant_id, Person.id.in_(ids))
        return {pid: name for pid, name in (await self.s.execute(stmt)).all()}
