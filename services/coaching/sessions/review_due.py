"""Announcing goals due for review: when the review day of a goal's terms in force (its agreed revision) comes
and that revision has no review, one `goal.review_due` event is recorded for the revision (a CRM can turn it
into a task). Like the overdue sweep (overdue.py, on common/sweep.py): a sweep every `review_due_sweep_seconds`
across tenants, in batches; the revision is marked with the day it was announced in the same transaction as its
event, by an UPDATE that only takes rows not marked yet (and announces only those it took), so two sweepers never
announce one revision twice — on SQLite too, where a second writer waits for the first (PostgreSQL also takes
the rows `FOR UPDATE SKIP LOCKED`, so replicas share the work instead of waiting). A revision reviewed before its
day is never announced; a later agreed revision has a day of its own."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy import and_, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from common.sweep import Sweep, mark
from services.coaching import events
from services.coaching.models import Goal, GoalReview, GoalRevision

Due = tuple[Goal, GoalRevision]


class ReviewDueSweeper(Sweep[None, Due, Due]):
    name = "coaching:review-due"

    async def find(self, session: AsyncSession, unit: None, today: date) -> Sequence[Due]:
        reviewed = (select(GoalReview.id)
                    .where(GoalReview.goal_id == GoalRevision.goal_id, GoalReview.revision == GoalRevision.revision)
                    .exists())
        stmt = (select(Goal, GoalRevision)
                .join(GoalRevision, and_(GoalRevision.goal_id == Goal.id,
                                         GoalRevision.revision == Goal.agreed_revision))
                .where(GoalRevision.review_on <= today, GoalRevision.review_due_announced_on.is_(None),
                       not_(reviewed))
                .order_by(GoalRevision.review_on, GoalRevision.id).limit(self.batch))
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(of=GoalRevision, skip_locked=True)
        return [(goal, revision) for goal, revision in (await session.execute(stmt)).all()]

    async def take(self, session: AsyncSession, found: Sequence[Due], today: date) -> Sequence[Due]:
        taken = {row.id for row in await mark(session, GoalRevision, [r.id for _, r in found],
                                               unmarked=GoalRevision.review_due_announced_on.is_(None),
                                               values={"review_due_announced_on": today})}
        return [(goal, revision) for goal, revision in found if revision.id in taken]

    async def announce(self, session: AsyncSession, taken: Sequence[Due], today: date) -> None:
        await events.goals_review_due(session, taken)
