"""Every query of the sessions area. Each one is filtered by the tenant the repository was built with;
reads also take the caller's visibility clause (from `services.coaching.visibility`), so lists filter in SQL."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, false, not_, select

from common.repository import TenantRepository
from services.coaching.models import (
    Action,
    Gap,
    Goal,
    GoalReview,
    GoalRevision,
    Observation,
    Person,
    Programme,
    ProgrammePair,
    Rating,
    Session,
)

Visible = ColumnElement[bool] | None
R = TypeVar("R")


class Repository(TenantRepository):

    async def _all(self, stmt: Select[R]) -> list[R]:
        return list((await self.s.execute(stmt)).scalars())

    async def _one(self, stmt: Select[R], for_update: bool) -> R | None:
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.s.execute(stmt)).scalar_one_or_none()

    @staticmethod
    def _visible(stmt: Select[R], visible: Visible) -> Select[R]:
        return stmt if visible is None else stmt.where(visible)

    @staticmethod
    def _page(stmt: Select[R], model: Any, after: uuid.UUID | None, limit: int) -> Select[R]:
        if after is not None:
            stmt = stmt.where(model.id > after)
        return stmt.order_by(model.id).limit(limit + 1)

    # ---- people and programmes
    async def people(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Person]:
        if not ids:
            return {}
        stmt = select(Person).where(Person.tenant_id == self.tenant_id, Person.id.in_(set(ids)))
        return {p.id: p for p in await self._all(stmt)}

    async def programme(self, programme_id: uuid.UUID) -> Programme | None:
        stmt = select(Programme).where(Programme.tenant_id == self.tenant_id, Programme.id == programme_id)
        return await self._one(stmt, False)

    async def in_programme(self, programme_id: uuid.UUID, coach_id: uuid.UUID, seller_id: uuid.UUID) -> bool:
        stmt = select(ProgrammePair.id).where(
            ProgrammePair.tenant_id == self.tenant_id, ProgrammePair.programme_id == programme_id,
            ProgrammePair.coach_id == coach_id, ProgrammePair.seller_id == seller_id)
        return (await self.s.execute(stmt.limit(1))).first() is not None

    # ---- sessions
    async def session(self, session_id: uuid.UUID, visible: Visible, *, for_update: bool = False) -> Session | None:
        stmt = select(Session).where(Session.tenant_id == self.tenant_id, Session.id == session_id)
        return await self._one(self._visible(stmt, visible), for_update)

    async def sessions(self, visible: Visible, *, ids: Sequence[uuid.UUID] | None,
                       seller_ids: Sequence[uuid.UUID] | None, coach_ids: Sequence[uuid.UUID] | None,
                       programme_id: uuid.UUID | None, status: str | None, scheduled_from: datetime | None,
                       scheduled_to: datetime | None, after: uuid.UUID | None, limit: int) -> list[Session]:
        stmt = self._visible(select(Session).where(Session.tenant_id == self.tenant_id), visible)
        if ids is not None:
            stmt = stmt.where(Session.id.in_(ids))
        if seller_ids is not None:
            stmt = stmt.where(Session.seller_id.in_(seller_ids))
        if coach_ids is not None:
            stmt = stmt.where(Session.coach_id.in_(coach_ids))
        if programme_id is not None:
            stmt = stmt.where(Session.programme_id == programme_id)
        if status is not None:
            stmt = stmt.where(Session.status == status)
        if scheduled_from is not None:
            stmt = stmt.where(Session.scheduled_at >= scheduled_from)
        if scheduled_to is not None:
            stmt = stmt.where(Session.scheduled_at < scheduled_to)
        return await self._all(self._page(stmt, Session, after, limit))

    async def observations(self, session_ids: Sequence[uuid.UUID]) -> list[Observation]:
        stmt = (select(Observation)
                .where(Observation.tenant_id == self.tenant_id, Observation.session_id.in_(session_ids))
                .order_by(Observation.id))
        return await self._all(stmt)

    async def gaps(self, session_ids: Sequence[uuid.UUID]) -> list[Gap]:
        stmt = (select(Gap).where(Gap.tenant_id == self.tenant_id, Gap.session_id.in_(session_ids))
                .order_by(Gap.id))
        return await self._all(stmt)

    async def gaps_by_id(self, gap_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Gap]:
        if not gap_ids:
            return {}
        stmt = select(Gap).where(Gap.tenant_id == self.tenant_id, Gap.id.in_(set(gap_ids)))
        return {g.id: g for g in await self._all(stmt)}

    async def gap(self, gap_id: uuid.UUID, visible: Visible, *, for_update: bool = False) -> Gap | None:
        """A gap whose session the caller may see (`visible`: the sessions clause)."""
        stmt = (select(Gap).join(Session, and_(Session.tenant_id == Gap.tenant_id, Session.id == Gap.session_id))
                .where(Gap.tenant_id == self.tenant_id, Gap.id == gap_id))
        stmt = self._visible(stmt, visible)
        if for_update:
            stmt = stmt.with_for_update(of=Gap)
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def list_gaps(self, visible: Visible, *, ids: Sequence[uuid.UUID] | None,
                        seller_ids: Sequence[uuid.UUID] | None, status: str | None, after: uuid.UUID | None,
                        limit: int) -> list[Gap]:
        stmt = (select(Gap).join(Session, and_(Session.tenant_id == Gap.tenant_id, Session.id == Gap.session_id))
                .where(Gap.tenant_id == self.tenant_id))
        stmt = self._visible(stmt, visible)
        if ids is not None:
            stmt = stmt.where(Gap.id.in_(ids))
        if seller_ids is not None:
            stmt = stmt.where(Gap.seller_id.in_(seller_ids))
        if status is not None:
            stmt = stmt.where(Gap.status == status)
        return await self._all(self._page(stmt, Gap, after, limit))

    async def sessions_by_id(self, session_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Session]:
        if not session_ids:
            return {}
        stmt = select(Session).where(Session.tenant_id == self.tenant_id, Session.id.in_(set(session_ids)))
        return {x.id: x for x in await self._all(stmt)}

    async def actions_of(self, session_ids: Sequence[uuid.UUID]) -> list[Action]:
        stmt = (select(Action).where(Action.tenant_id == self.tenant_id, Action.session_id.in_(session_ids))
                .order_by(Action.id))
        return await self._all(stmt)

    async def goals_of(self, session_ids: Sequence[uuid.UUID]) -> list[Goal]:
        stmt = (select(Goal).where(Goal.tenant_id == self.tenant_id, Goal.session_id.in_(session_ids))
                .order_by(Goal.id))
        return await self._all(stmt)

    async def ratings(self, session_ids: Sequence[uuid.UUID]) -> list[Rating]:
        stmt = select(Rating).where(Rating.tenant_id == self.tenant_id, Rating.session_id.in_(session_ids))
        return await self._all(stmt)

    async def rating(self, session_id: uuid.UUID, *, for_update: bool = False) -> Rating | None:
        stmt = select(Rating).where(Rating.tenant_id == self.tenant_id, Rating.session_id == session_id)
        return await self._one(stmt, for_update)

    # ---- actions
    async def action(self, action_id: uuid.UUID, visible: Visible, *, for_update: bool = False) -> Action | None:
        stmt = select(Action).where(Action.tenant_id == self.tenant_id, Action.id == action_id)
        return await self._one(self._visible(stmt, visible), for_update)

    async def actions(self, visible: Visible, *, ids: Sequence[uuid.UUID] | None,
                      seller_ids: Sequence[uuid.UUID] | None, coach_ids: Sequence[uuid.UUID] | None,
                      owner_ids: Sequence[uuid.UUID] | None, team: Sequence[uuid.UUID] | None,
                      session_id: uuid.UUID | None, status: str | None, overdue: bool | None, today: date,
                      after: uuid.UUID | None, limit: int) -> list[Action]:
        stmt = self._visible(select(Action).where(Action.tenant_id == self.tenant_id), visible)
        if ids is not None:
            stmt = stmt.where(Action.id.in_(ids))
        if seller_ids is not None:
            stmt = stmt.where(Action.seller_id.in_(seller_ids))
        if coach_ids is not None:
            stmt = stmt.where(Action.coach_id.in_(coach_ids))
        if owner_ids is not None:
            stmt = stmt.where(Action.owner_id.in_(owner_ids))
        if team is not None:
            stmt = stmt.where(Action.seller_id.in_(team) if team else false())
        if session_id is not None:
            stmt = stmt.where(Action.session_id == session_id)
        if status is not None:
            stmt = stmt.where(Action.status == status)
        if overdue is not None:
            late = and_(Action.status == "open", Action.due_on < today)
            stmt = stmt.where(late if overdue else not_(late))
        return await self._all(self._page(stmt, Action, after, limit))

    # ---- goals
    async def goal(self, goal_id: uuid.UUID, visible: Visible, *, for_update: bool = False) -> Goal | None:
        stmt = select(Goal).where(Goal.tenant_id == self.tenant_id, Goal.id == goal_id)
        return await self._one(self._visible(stmt, visible), for_update)

    async def goals(self, visible: Visible, *, ids: Sequence[uuid.UUID] | None,
                    seller_ids: Sequence[uuid.UUID] | None, coach_ids: Sequence[uuid.UUID] | None,
                    session_id: uuid.UUID | None, agreed: bool | None, after: uuid.UUID | None,
                    limit: int, due_for_review: bool | None = None, on: date | None = None) -> list[Goal]:
        stmt = self._visible(select(Goal).where(Goal.tenant_id == self.tenant_id), visible)
        if ids is not None:
            stmt = stmt.where(Goal.id.in_(ids))
        if seller_ids is not None:
            stmt = stmt.where(Goal.seller_id.in_(seller_ids))
        if coach_ids is not None:
            stmt = stmt.where(Goal.coach_id.in_(coach_ids))
        if session_id is not None:
            stmt = stmt.where(Goal.session_id == session_id)
        if agreed is not None:
            both = (select(GoalRevision.id)
                    .where(GoalRevision.tenant_id == self.tenant_id, GoalRevision.goal_id == Goal.id,
                           GoalRevision.revision == Goal.current_revision,
                           GoalRevision.seller_agreed_at.is_not(None), GoalRevision.coach_agreed_at.is_not(None))
                    .exists())
            stmt = stmt.where(both if agreed else not_(both))
        if due_for_review is not None:
            assert on is not None
            due = self.due_for_review(on)
            stmt = stmt.where(due if due_for_review else not_(due))
        return await self._all(self._page(stmt, Goal, after, limit))

    def due_for_review(self, on: date) -> ColumnElement[bool]:
        """A goal whose agreed revision's review day is on or before `on` and that revision has no review."""
        reached = (select(GoalRevision.id)
                   .where(GoalRevision.tenant_id == self.tenant_id, GoalRevision.goal_id == Goal.id,
                          GoalRevision.revision == Goal.agreed_revision, GoalRevision.review_on <= on)
                   .exists())
        reviewed = (select(GoalReview.id)
                    .where(GoalReview.tenant_id == self.tenant_id, GoalReview.goal_id == Goal.id,
                           GoalReview.revision == Goal.agreed_revision)
                    .exists())
        return and_(Goal.agreed_revision.is_not(None), reached, not_(reviewed))

    async def reviews(self, goal_ids: Sequence[uuid.UUID]) -> list[GoalReview]:
        if not goal_ids:
            return []
        stmt = (select(GoalReview)
                .where(GoalReview.tenant_id == self.tenant_id, GoalReview.goal_id.in_(goal_ids))
                .order_by(GoalReview.goal_id, GoalReview.revision))
        return await self._all(stmt)

    async def review(self, goal_id: uuid.UUID, revision: int) -> GoalReview | None:
        stmt = select(GoalReview).where(GoalReview.tenant_id == self.tenant_id, GoalReview.goal_id == goal_id,
                                        GoalReview.revision == revision)
        return await self._one(stmt, False)

    async def revisions(self, goal_ids: Sequence[uuid.UUID]) -> list[GoalRevision]:
        if not goal_ids:
            return []
        stmt = (select(GoalRevision)
                .where(GoalRevision.tenant_id == self.tenant_id, GoalRevision.goal_id.in_(goal_ids))
                .order_by(GoalRevision.goal_id, GoalRevision.revision))
        return await self._all(stmt)

    async def revision(self, goal_id: uuid.UUID, number: int, *, for_update: bool = False) -> GoalRevision | None:
        stmt = select(GoalRevision).where(GoalRevision.tenant_id == self.tenant_id,
                                          GoalRevision.goal_id == goal_id, GoalRevision.revision == number)
        return await self._one(stmt, for_update)
