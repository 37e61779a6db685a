"""Coaching figures from the read model's coaching sessions, per coach or per seller over [from, to]:
- sessions_held: completed sessions whose held_at falls in the window (UTC days, both ends inclusive);
- cancelled / no_show: sessions so marked whose scheduled_at falls in the window;
- rated and the average of each rating dimension (1..5) over the held sessions the seller rated;
- with_agreed_action: held sessions that ended with at least one agreed action, and their share.
With `team_of`, only sessions whose seller was in the manager's tree on `to`. One GROUP BY query.
"""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select

from common.repository import TenantRepository
from services.metrics.analysis_schemas import CoachingFigures, GroupBy, RatingAverages
from services.metrics.models import CoachingSession


def _start(d: date) -> datetime:
    return datetime.combine(d, time(), tzinfo=UTC)


class CoachingFiguresRepository(TenantRepository):
    async def figures(self, group_by: GroupBy, first: date, last: date,
                      sellers: list[uuid.UUID] | None) -> list[CoachingFigures]:
        cs = CoachingSession
        lo, hi = _start(first), _start(last + timedelta(days=1))
        held = and_(cs.status == "completed", cs.held_at >= lo, cs.held_at < hi)
        planned = and_(cs.scheduled_at >= lo, cs.scheduled_at < hi)
        rated = and_(held, cs.relevant.is_not(None))

        def count(cond: Any) -> Any:
            return func.sum(case((cond, 1), else_=0))

        def avg(column: Any) -> Any:
            return func.avg(case((rated, column), else_=None))

        key = cs.coach_id if group_by == "coach" else cs.seller_id
        stmt = (select(key, count(held), count(and_(planned, cs.status == "cancelled")),
                       count(and_(planned, cs.status == "no_show")), count(rated), avg(cs.relevant),
                       avg(cs.developmental), avg(cs.motivational), count(and_(held, cs.has_agreed_action)))
                .where(cs.tenant_id == self.tenant_id, cs.deleted.is_(False),
                       (cs.held_at >= lo) | (cs.scheduled_at >= lo), (cs.held_at < hi) | (cs.scheduled_at < hi))
                .group_by(key).order_by(key))
        if sellers is not None:
            stmt = stmt.where(cs.seller_id.in_(sellers))
        rows = []
        for person, n_held, n_cancelled, n_no_show, n_rated, r1, r2, r3, n_action in (await self.s.execute(stmt)).all():
            n_held, n_action = int(n_held or 0), int(n_action or 0)
            if not (n_held or n_cancelled or n_no_show):
                continue
            rows.append(CoachingFigures(
                person_id=person, sessions_held=n_held, cancelled=int(n_cancelled or 0),
                no_show=int(n_no_show or 0), rated=int(n_rated or 0),
                average_rating=RatingAverages(relevant=_f(r1), developmental=_f(r2), motivational=_f(r3)),
                with_agreed_action=n_action, agreed_action_share=n_action / n_held if n_held else None))
        return rows


def _f(value: Any) -> float | None:
    return None if value is None else float(value)
