"""Announcing goals due for review: when the review day of a goal's terms in force (its agreed revision) comes
and that revision has no review, one `goal.review_due` event is recorded for the revision (a CRM can turn it
into a task). Like the overdue sweep (overdue.py): a sweep every `review_due_sweep_seconds` across tenants, in
batches; the revision is marked with the day it was announced in the same transaction as its event, by an
UPDATE that only takes rows not marked yet (and announces only those it took), so two sweepers never announce
one revision twice — on SQLite too, where a second writer waits for the first (PostgreSQL also takes the rows
`FOR UPDATE SKIP LOCKED`, so replicas share the work instead of waiting). A revision reviewed before its day is
never announced; a later agreed revision has a day of its own."""

import uuid
from collections.abc import Callable
from datetime import date

from sqlalchemy import and_, not_, select, update

from common.db import Database, utcnow
from common.periodic import Periodic
from services.coaching import events
from services.coaching.models import Goal, GoalReview, GoalRevision

BATCH = 500


class ReviewDueSweeper:
    def __init__(self, db: Database, *, every: float, today: Callable[[], date] = lambda: utcnow().date()) -> None:
        self.db = db
        self.every = every
        self.today = today
        self._loop = Periodic("coaching:review-due", self.run_once, every, until_idle=lambda n: n == BATCH)

    async def run_once(self) -> int:
        """Announce one batch; how many goal revisions were announced."""
        today = self.today()
        reviewed = (select(GoalReview.id)
                    .where(GoalReview.goal_id == GoalRevision.goal_id, GoalReview.revision == GoalRevision.revision)
                    .exists())
        async with self.db.sessions() as s:
            stmt = (select(Goal, GoalRevision)
                    .join(GoalRevision, and_(GoalRevision.goal_id == Goal.id,
                                             GoalRevision.revision == Goal.agreed_revision))
                    .where(GoalRevision.review_on <= today, GoalRevision.review_due_announced_on.is_(None),
                           not_(reviewed))
                    .order_by(GoalRevision.review_on, GoalRevision.id).limit(BATCH))
            if s.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update(of=GoalRevision, skip_locked=True)
            found = [(goal, revision) for goal, revision in (await s.execute(stmt)).all()]
            taken: set[uuid.UUID] = set()
            if found:
                mark = (update(GoalRevision)
                        .where(GoalRevision.id.in_([r.id for _, r in found]),
                               GoalRevision.review_due_announced_on.is_(None))
                        .values(review_due_announced_on=today).returning(GoalRevision.id)
                        .execution_options(synchronize_session=False))
                taken = set((await s.execute(mark)).scalars())
            due = [(goal, revision) for goal, revision in found if revision.id in taken]
            await events.goals_review_due(s, due)
            await s.commit()
        return len(due)

    async def start(self) -> None:
        await self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
