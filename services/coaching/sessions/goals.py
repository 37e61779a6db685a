"""Goals agreed between a seller and a coach.

A goal's terms live in revisions. Revision 1 comes from a completed session or `POST /v1/goals` (by the
coach), with the coach's agreement recorded. Either side agrees for themselves; a goal counts
(`agreed`) only when both agreed to the current revision. A revision n+1 (new terms, proposed by either
side) starts with only its proposer's agreement; older revisions stay as history.

The terms in force are the latest revision both agreed to (`agreed_revision`): the metrics service measures
them and a review records their outcome. A goal is **due for review** from that revision's review day until
it has a review (one per revision: achieved, missed, or carried over into a later revision). A review may be
recorded before the review day (a goal closed early); `goal.review_due` is announced once per revision when
its day comes (review_due.py).
"""

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from common.db import utcnow
from common.errors import Conflict, NotFound
from common.ids import new_id
from common.pagination import Page, PageParams, build_page
from services.coaching import events
from services.coaching.models import Goal, GoalReview, GoalRevision
from services.coaching.sessions.context import Context, error, invalid
from services.coaching.sessions.render import goal_out, goals_out, review_out
from services.coaching.sessions.schemas import (
    GoalAgree,
    GoalCreate,
    GoalOut,
    GoalReviewIn,
    GoalReviewOut,
    GoalRevise,
    GoalTerms,
)

MAX_REVISIONS = 100


class GoalsService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.repo = ctx.repo
        self.vis = ctx.vis

    def add(self, *, seller_id: uuid.UUID, coach_id: uuid.UUID, session_id: uuid.UUID | None, terms: GoalTerms,
            now: datetime) -> tuple[Goal, GoalRevision]:
        """A new goal at revision 1, proposed (and so agreed) by its coach. Flush before adding the revision."""
        goal = Goal(id=new_id(), tenant_id=self.repo.tenant_id, seller_id=seller_id, coach_id=coach_id,
                    session_id=session_id, current_revision=1, created_at=now, updated_at=now)
        revision = self._revision(goal, 1, terms, coach_id, "coach", now)
        return goal, revision

    def _revision(self, goal: Goal, number: int, terms: GoalTerms, proposed_by: uuid.UUID | None,
                  party: str | None, now: datetime) -> GoalRevision:
        return GoalRevision(id=new_id(), tenant_id=self.repo.tenant_id, goal_id=goal.id, revision=number,
                            metric_key=terms.metric_key, kind=terms.kind, target=terms.target, period=terms.period,
                            review_on=terms.review_on, proposed_by=proposed_by,
                            seller_agreed_at=now if party == "seller" else None,
                            coach_agreed_at=now if party == "coach" else None, created_at=now)

    async def _visible(self, goal_id: uuid.UUID, *, for_update: bool = False) -> Goal:
        goal = await self.repo.goal(goal_id, await self.vis.goals(), for_update=for_update)
        if goal is None:
            raise NotFound(f"Goal {goal_id} does not exist.")
        return goal

    async def _out(self, goal: Goal) -> GoalOut:
        return (await goals_out(self.repo, [goal], utcnow().date()))[0]

    @staticmethod
    def _review_on(review_on: date, today: date) -> None:
        if review_on < today:
            raise invalid([error("review_on", "The review date must not be in the past.", "past")])

    # ---- commands -----------------------------------------------------------------------------
    async def create(self, data: GoalCreate) -> GoalOut:
        """By the coach, for a seller they coach today (or by who sees everything, naming the coach)."""
        self.vis.check_propose_goal(data.coach_id)
        coach_id = data.coach_id or self.vis.person_id
        if coach_id is None:
            raise invalid([error("coach_id", "Name the goal's coach.", "missing")])
        people, errors = await self.ctx.people({"coach_id": coach_id, "seller_id": data.seller_id})
        if coach_id == data.seller_id:
            errors.append(error("seller_id", "A person cannot coach themselves.", "self"))
        today = utcnow().date()
        if data.review_on < today:
            errors.append(error("review_on", "The review date must not be in the past.", "past"))
        if data.session_id is not None:
            session = await self.repo.session(data.session_id, await self.vis.sessions())
            if session is None or (session.coach_id, session.seller_id) != (coach_id, data.seller_id):
                errors.append(error("session_id", "No session of this coach with this seller has that id."))
        if not errors:
            errors = await self.ctx.coaching_link(people[coach_id], people[data.seller_id], [], today,
                                                  seller_field="seller_id", keys_field="seller_id")
        if errors:
            raise invalid(errors)
        now = utcnow()
        goal, revision = self.add(seller_id=data.seller_id, coach_id=coach_id, session_id=data.session_id,
                                  terms=data, now=now)
        self.repo.add(goal)
        await self.repo.flush()
        self.repo.add(revision)
        await self.repo.flush()
        return goal_out(goal, [revision], [], today)

    async def agree(self, goal_id: uuid.UUID, data: GoalAgree) -> GoalOut:
        goal = await self._visible(goal_id, for_update=True)
        party = self.vis.check_agree(goal)
        if data.revision is not None and data.revision != goal.current_revision:
            raise Conflict(f"Revision {data.revision} is not current: the goal is at revision "
                           f"{goal.current_revision}; read it and agree to that.")
        revision = await self.repo.revision(goal.id, goal.current_revision, for_update=True)
        assert revision is not None
        now = utcnow()
        was_agreed = revision.seller_agreed_at is not None and revision.coach_agreed_at is not None
        if party == "seller" and revision.seller_agreed_at is None:
            revision.seller_agreed_at = goal.updated_at = now
        elif party == "coach" and revision.coach_agreed_at is None:
            revision.coach_agreed_at = goal.updated_at = now
        await self.repo.flush()
        now_agreed = events.agreed_at(revision)
        if not was_agreed and now_agreed is not None:
            goal.agreed_revision = revision.revision
            earlier = [at for r in await self.repo.revisions([goal.id])
                       if r.revision < revision.revision and (at := events.agreed_at(r)) is not None]
            await events.goal_agreed(self.repo.s, goal, revision, min([*earlier, now_agreed]))
        return await self._out(goal)

    async def revise(self, goal_id: uuid.UUID, terms: GoalRevise) -> GoalOut:
        goal = await self._visible(goal_id, for_update=True)
        party = self.vis.check_revise(goal)
        self._review_on(terms.review_on, utcnow().date())
        await self._propose(goal, terms, party)
        return await self._out(goal)

    async def _propose(self, goal: Goal, terms: GoalTerms, party: str | None) -> GoalRevision:
        """Revision n+1 with new terms, carrying the proposer's agreement when they are a party."""
        if goal.current_revision >= MAX_REVISIONS:
            raise Conflict(f"The goal has {MAX_REVISIONS} revisions already; agree on one or start a new goal.")
        now = utcnow()
        revision = self._revision(goal, goal.current_revision + 1, terms, self.vis.person_id, party, now)
        self.repo.add(revision)
        goal.current_revision, goal.updated_at = revision.revision, now
        await self.repo.flush()
        return revision

    async def review(self, goal_id: uuid.UUID, data: GoalReviewIn) -> GoalReviewOut:
        """Record the outcome of the terms in force (see the module's docstring); one review per revision."""
        goal = await self._visible(goal_id, for_update=True)
        await self.vis.check_review(goal)
        if goal.agreed_revision is None:
            raise Conflict("The goal has no revision both sides agreed to: there is nothing to review yet.")
        reviewed = goal.agreed_revision
        if data.revision is not None and data.revision != reviewed:
            raise Conflict(f"Revision {data.revision} is not the goal's terms in force: revision {reviewed} is; "
                           f"read it and review that.")
        if await self.repo.review(goal.id, reviewed) is not None:
            raise Conflict(f"Revision {reviewed} of the goal has been reviewed already.")
        carried_into: int | None = None
        if data.outcome == "carried_over":
            if data.carry_into is not None:
                self._review_on(data.carry_into.review_on, utcnow().date())
                carried_into = (await self._propose(goal, data.carry_into, self.vis.party_of(goal))).revision
            elif goal.current_revision > reviewed:
                carried_into = goal.current_revision
            else:
                raise invalid([error("carry_into", "Carrying a goal over needs a later revision: give its new "
                                                   "terms in carry_into, or revise the goal first.", "missing")])
        now = utcnow()
        review = GoalReview(id=new_id(), tenant_id=self.repo.tenant_id, goal_id=goal.id, revision=reviewed,
                            outcome=data.outcome, carried_into=carried_into, reviewed_by=self.vis.person_id,
                            note=data.note, reviewed_at=now)
        self.repo.add(review)
        goal.updated_at = now
        await self.repo.flush()
        await events.goal_reviewed(self.repo.s, goal, review)
        return review_out(review)

    # ---- reading ------------------------------------------------------------------------------
    async def get(self, goal_id: uuid.UUID) -> GoalOut:
        return await self._out(await self._visible(goal_id))

    async def find(self, *, ids: Sequence[uuid.UUID] | None, seller_ids: Sequence[uuid.UUID] | None,
                   coach_ids: Sequence[uuid.UUID] | None, session_id: uuid.UUID | None, agreed: bool | None,
                   page: PageParams, due_for_review: bool | None = None, on: date | None = None) -> Page[GoalOut]:
        """`due_for_review` as of `on` (default today, UTC)."""
        today = utcnow().date()
        rows = await self.repo.goals(await self.vis.goals(), ids=ids, seller_ids=seller_ids, coach_ids=coach_ids,
                                     session_id=session_id, agreed=agreed, after=page.after, limit=page.limit,
                                     due_for_review=due_for_review, on=on or today)
        return build_page(await goals_out(self.repo, rows, today), page.limit, lambda g: g.id)
