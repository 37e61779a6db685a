"""GraphQL types of the coaching conversation: sessions and their parts, actions, goals, ratings."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from gateway.context import Context
from gateway.types.behaviors import Period, RootCause, Scenario
from gateway.types.coaching_enums import (
    ActionStatus,
    GapOutcome,
    GapStatus,
    GoalKind,
    GoalReviewOutcome,
    SessionStatus,
)
from gateway.types.people import Person, person_of
from gateway.types.shapes import presents, shown
from services.coaching.sessions.schemas import (
    ActionOut,
    GapOut,
    GoalOut,
    GoalReviewOut,
    GoalRevisionOut,
    ObservationOut,
    RatingOut,
    ScenarioOut,
    SessionOut,
)

if TYPE_CHECKING:
    from gateway.types.gaps import GapEvaluation
    from gateway.types.goal_progress import GoalProgress
    from gateway.types.programmes import Programme

Ctx = Info[Context, None]
LazyProgramme = Annotated["Programme", strawberry.lazy("gateway.types.programmes")]
LazyGoalProgress = Annotated["GoalProgress", strawberry.lazy("gateway.types.goal_progress")]
LazyGapEvaluation = Annotated["GapEvaluation", strawberry.lazy("gateway.types.gaps")]


# Fields GraphQL names differently from the service (`closedById` is GapOut.closed_by).
def _id(value: Any) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


def _closed_by(root: strawberry.Parent[GapOut]) -> strawberry.ID | None:
    return _id(root.closed_by)


def _reviewed_by(root: strawberry.Parent[GoalReviewOut]) -> strawberry.ID | None:
    return _id(root.reviewed_by)


@presents(ObservationOut)
@strawberry.type
class Observation:
    id: strawberry.ID
    behavior_key: str
    level: int = strawberry.field(description="The rubric level observed, 1 = lowest (the behaviour's rubric).")
    evidence: str


@presents(GapOut)
@strawberry.type(description="A gap the coach and seller found, with its root cause: OPEN until a coach closes it "
                             "in a later session of the seller (closeGap, or gapClosures when completing one).")
class Gap:
    id: strawberry.ID
    session_id: strawberry.ID
    seller_id: strawberry.ID
    behavior_key: str
    description: str
    root_cause: RootCause
    created_at: datetime
    status: GapStatus
    outcome: GapOutcome | None
    closed_session_id: strawberry.ID | None = strawberry.field(description="The later session that closed it.")
    closed_by_id: strawberry.ID | None = strawberry.field(resolver=_closed_by,
                                                          description="Who closed it (null: an integration key).")
    closed_at: datetime | None = strawberry.field(description="When the closure was recorded.")
    closing_note: str

    @strawberry.field(description="Did its behaviour's indicators move after it was opened? The seller's figures "
                                  "over equal windows before and since (windowDays, default 28), from the metrics "
                                  "service; null when the caller may not see the seller's figures or metrics does "
                                  "not know the gap yet. A list of gaps is one call.")
    async def evaluation(self, info: Ctx, window_days: int = 28) -> LazyGapEvaluation | None:
        from gateway.loaders import filters
        from gateway.types.gaps import GapEvaluation

        found = await info.context.loaders.gap_evaluation.load((str(self.id), filters(window_days=window_days)))
        return shown(GapEvaluation, found) if found else None


@presents(ActionOut)
@strawberry.type
class Action:
    id: strawberry.ID
    session_id: strawberry.ID
    seller_id: strawberry.ID
    coach_id: strawberry.ID
    owner_id: strawberry.ID
    gap_id: strawberry.ID | None
    description: str
    due_on: date
    status: ActionStatus
    overdue: bool = strawberry.field(description="Open and due before today (UTC).")
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None

    owner: Person | None = person_of("owner_id")
    seller: Person | None = person_of("seller_id")

    @strawberry.field
    async def session(self, info: Ctx) -> "Session | None":
        return await session_by_id(info, self.session_id)


@presents(GoalRevisionOut)
@strawberry.type(description="One revision of a goal's terms; it counts once seller and coach both agreed.")
class GoalRevision:
    revision: int = strawberry.field(description="The revision's number, 1, 2, 3 ... in order.")
    metric_key: str
    kind: GoalKind
    target: float = strawberry.field(description="The target in the metric's unit: per `period` for an activity, "
                                                 "the value itself for a proficiency (a ratio 0-1, an average).")
    period: Period
    review_on: date
    proposed_by: strawberry.ID | None
    seller_agreed_at: datetime | None
    coach_agreed_at: datetime | None
    agreed: bool
    created_at: datetime


@presents(GoalReviewOut)
@strawberry.type(description="The review of one agreed revision of a goal: its outcome, who recorded it and when.")
class GoalReview:
    id: strawberry.ID
    goal_id: strawberry.ID
    revision: int = strawberry.field(description="The number of the agreed revision reviewed.")
    outcome: GoalReviewOutcome
    carried_into: int | None = strawberry.field(description="CARRIED_OVER: the number of the revision the goal "
                                                            "was carried into.")
    reviewed_by_id: strawberry.ID | None = strawberry.field(resolver=_reviewed_by,
                                                            description="The person; null when an API key "
                                                                        "recorded it.")
    note: str
    reviewed_at: datetime

    reviewed_by: Person | None = person_of("reviewed_by")

    @strawberry.field(description="The goal reviewed, as it is now.")
    async def goal(self, info: Ctx) -> "Goal | None":
        from gateway.resolvers.common import get_or_none

        found = await get_or_none(info.context.loaders.goal.load(str(self.goal_id)))
        return shown(Goal, found) if found else None


@presents(GoalOut)
@strawberry.type
class Goal:
    id: strawberry.ID
    seller_id: strawberry.ID
    coach_id: strawberry.ID
    session_id: strawberry.ID | None
    current_revision: int = strawberry.field(description="The number of the latest revision.")
    agreed: bool = strawberry.field(description="Both sides agreed to the current revision.")
    current: GoalRevision
    revisions: list[GoalRevision]
    agreed_revision: int | None = strawberry.field(description="The number of the latest revision both sides agreed "
                                                               "to: the terms in force, measured and reviewed.")
    due_for_review: bool = strawberry.field(description="Today (UTC) is on or after the agreed revision's review "
                                                        "day and it has no review yet.")
    reviews: list[GoalReview] = strawberry.field(description="One per reviewed revision, oldest first.")
    created_at: datetime
    updated_at: datetime

    seller: Person | None = person_of("seller_id")
    coach: Person | None = person_of("coach_id")

    @strawberry.field(description="The terms in force measured by the metrics service over the goal's period "
                                  "holding `on` (default today); null when the goal is not agreed or the caller may "
                                  "not see the seller's figures of its metric. A list of goals is one call.")
    async def progress(self, info: Ctx, on: date | None = None) -> LazyGoalProgress | None:
        from gateway.loaders import filters
        from gateway.types.goal_progress import GoalProgress

        if self.agreed_revision is None:
            return None
        found = await info.context.loaders.goal_progress.load(
            (str(self.id), filters(on=on.isoformat() if on else None)))
        return shown(GoalProgress, found) if found else None


@presents(RatingOut)
@strawberry.type(description="The seller's rating of the conversation (1 to 5 each); changeable for 7 days.")
class Rating:
    session_id: strawberry.ID
    seller_id: strawberry.ID
    relevant: int = strawberry.field(description="Was it relevant to their work, 1-5.")
    developmental: int = strawberry.field(description="Did it develop them, 1-5.")
    motivational: int = strawberry.field(description="Did it motivate them, 1-5.")
    comment: str
    created_at: datetime
    updated_at: datetime
    changeable_until: datetime


@presents(ScenarioOut)
@strawberry.type(description="The behaviour scenario the session practises (it lives in the behaviors service).")
class SessionScenario:
    behavior_key: str
    scenario_id: strawberry.ID

    @strawberry.field(description="The scenario itself, or null when it is gone or not visible.")
    async def scenario(self, info: Ctx) -> Scenario | None:
        behavior = await info.context.loaders.behavior_by_key.load(self.behavior_key)
        if behavior is None:
            return None
        for s in await info.context.loaders.scenarios.load(str(behavior["id"])):
            if str(s["id"]) == str(self.scenario_id):
                return shown(Scenario, s)
        return None


@presents(SessionOut)
@strawberry.type(description="A coaching conversation. `privateNotes` is null for callers who may not read it.")
class Session:
    id: strawberry.ID
    coach_id: strawberry.ID
    seller_id: strawberry.ID
    programme_id: strawberry.ID | None
    status: SessionStatus
    scheduled_at: datetime
    held_at: datetime | None
    duration_minutes: int | None = strawberry.field(description="Planned length, minutes.")
    focus_keys: list[str]
    scenario: SessionScenario | None
    notes: str
    private_notes: str | None
    cancel_reason: str | None
    next_session_id: strawberry.ID | None
    observations: list[Observation]
    gaps: list[Gap]
    actions: list[Action]
    goals: list[Goal]
    rating: Rating | None
    created_at: datetime
    updated_at: datetime

    coach: Person | None = person_of("coach_id")
    seller: Person | None = person_of("seller_id")

    @strawberry.field
    async def programme(self, info: Ctx) -> LazyProgramme | None:
        from gateway.types.programmes import programme_by_id

        return await programme_by_id(info, self.programme_id)

    @strawberry.field
    async def next_session(self, info: Ctx) -> "Session | None":
        return await session_by_id(info, self.next_session_id)


async def session_by_id(info: Ctx, session_id: Any) -> Session | None:
    if session_id is None:
        return None
    found = await info.context.loaders.session.load(str(session_id))
    return shown(Session, found) if found else None


@strawberry.type
class SessionConnection:
    items: list[Session]
    next_cursor: str | None


@strawberry.type
class ActionConnection:
    items: list[Action]
    next_cursor: str | None


@strawberry.type
class GoalConnection:
    items: list[Goal]
    next_cursor: str | None
