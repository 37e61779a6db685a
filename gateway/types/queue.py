"""GraphQL types of the coaching queue (whom to coach next, on what, and why) and the conversation guide."""

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from gateway.context import Context
from gateway.types.behaviors import Behavior, RootCause, Scenario
from gateway.types.coaching_enums import CoachKind
from gateway.types.common import Forbidden, NotFound, ValidationProblem
from gateway.types.people import Person, person_by_id
from gateway.types.periods import ScorecardPeriod
from gateway.types.scorecards import BehaviorCard
from gateway.types.sessions import Action, Goal, Session
from gateway.types.shapes import presents, shown
from services.metrics.queue_schemas import CoachingQueueOut, FocusOut, QueueEntryOut, QueueReasonOut

if TYPE_CHECKING:
    from gateway.types.programmes import Programme

Ctx = Info[Context, None]
LazyProgramme = Annotated["Programme", strawberry.lazy("gateway.types.programmes")]


@strawberry.enum(description="Why a seller is in the queue (weights in CoachingQueue.formula). RATINGS_FALLING and "
                             "PAIRS_OVERDUE are about how they coach their own sellers (a leader's queue of managers); "
                             "GAP_PERSISTS: an open gap whose indicators did not move after several sessions.")
class QueueReasonKind(Enum):
    GAP = "gap"
    TREND = "trend"
    SINCE_LAST_SESSION = "since_last_session"
    OVERDUE_ACTIONS = "overdue_actions"
    CADENCE_DUE = "cadence_due"
    REVIEW_DUE = "review_due"
    RATINGS_FALLING = "ratings_falling"
    PAIRS_OVERDUE = "pairs_overdue"
    GAP_PERSISTS = "gap_persists"


@presents(QueueReasonOut)
@strawberry.type(description="One reason behind a seller's place in the queue; its weight is its share of the score.")
class QueueReason:
    kind: QueueReasonKind
    weight: float = strawberry.field(description="Points this reason adds to the score (the score is their sum, "
                                                 "0-100).")
    detail: str
    behavior_key: str | None
    metric_key: str | None
    programme_id: strawberry.ID | None

    @strawberry.field(description="The programme whose cadence is due (for CADENCE_DUE).")
    async def programme(self, info: Ctx) -> LazyProgramme | None:
        from gateway.types.programmes import programme_by_id

        return await programme_by_id(info, self.programme_id)


@presents(FocusOut)
@strawberry.type(description="The behaviour to open the conversation on: the biggest gap vs target in the coach's "
                             "scope (or, all on track, the highest-priority behaviour in scope).")
class FocusSuggestion:
    behavior_key: str
    behavior_name: str
    metric_key: str | None = strawberry.field(description="The indicator with the gap; null when on track.")
    relative_gap: float | None = strawberry.field(description="Shortfall relative to what was expected, 0-1.")
    why: str

    @strawberry.field(description="The behaviour itself, from the behaviors service (null when it has no such key).")
    async def behavior(self, info: Ctx) -> Behavior | None:
        found = await info.context.loaders.behavior_by_key.load(self.behavior_key)
        return shown(Behavior, found) if found else None


@presents(QueueEntryOut)
@strawberry.type(description="One seller in a coach's queue.")
class QueueEntry:
    rank: int | None = strawberry.field(description="Place in the queue, a number from 1 (null in a conversation "
                                                    "guide, which scores one seller).")
    seller_id: strawberry.ID
    score: float = strawberry.field(description="The sum of the reasons' weights, 0-100 points.")
    reasons: list[QueueReason]
    last_session_at: datetime | None = strawberry.field(
        description="When the last completed session with this coach was held (null: none in the lookback window).")
    days_since_last_session: int | None = strawberry.field(description="Days since that session, count (null: "
                                                                       "none in the lookback window).")
    overdue_actions: int = strawberry.field(description="Open actions agreed with this coach, due before `on`, count.")
    focus: FocusSuggestion | None
    scope: list[str] = strawberry.field(description="Behaviour keys the coach coaches this seller on; empty means "
                                                    "every behaviour.")
    coach_kinds: list[CoachKind] = strawberry.field(description="How the coach relates to the seller (the manager, "
                                                                "a sales engineer …).")
    figures_visible: bool = strawberry.field(description="False when the metrics service gave no scorecard (the "
                                                         "caller may not read this seller's figures, or it does not "
                                                         "know them): no gap or trend reasons then.")

    @strawberry.field
    async def seller(self, info: Ctx) -> Person | None:
        return await person_by_id(info, self.seller_id)


@presents(CoachingQueueOut)
@strawberry.type(description="The sellers a coach coaches on `on`, best candidate for a conversation first.")
class CoachingQueue:
    coach_id: strawberry.ID
    on: date
    period: ScorecardPeriod = strawberry.field(description="The scorecard period holding `on` the gaps are "
                                                           "measured over.")
    lookback_days: int = strawberry.field(description="How far back sessions were looked for, days.")
    total: int = strawberry.field(description="Sellers the coach coaches on `on`, count (entries holds the "
                                                   "first ones).")
    entries: list[QueueEntry]
    formula: str = strawberry.field(description="The scoring, in words (the metrics service's queue_scoring.py).")

    @strawberry.field
    async def coach(self, info: Ctx) -> Person | None:
        return await person_by_id(info, self.coach_id)


@strawberry.type(description="One of the five root causes of a failure to perform, with the question that tests "
                             "it. `flagged`: named by the focus behaviour's scenarios or found on the last "
                             "session's gaps on it.")
class RootCauseCheck:
    cause: RootCause
    prompt: str
    flagged: bool
    why: str | None


@strawberry.type(description="What a coach needs to open the conversation with one seller.")
class ConversationGuide:
    coach_id: strawberry.ID
    seller_id: strawberry.ID
    on: date
    period: ScorecardPeriod
    entry: QueueEntry = strawberry.field(description="The seller's queue entry: score, reasons, focus.")
    focus: FocusSuggestion | None
    figures_visible: bool
    figures: list[BehaviorCard] = strawberry.field(description="The seller's figures vs target on the behaviours "
                                                               "in the coach's scope (scorecard indicators).")
    last_session: Session | None = strawberry.field(description="Their last completed session together.")
    open_actions: list[Action] = strawberry.field(description="Actions agreed in the last session, still open.")
    goals: list[Goal] = strawberry.field(description="Goals set in the last session.")
    scenarios: list[Scenario] = strawberry.field(description="The focus behaviour's coaching scenarios, with their "
                                                             "opening questions.")
    root_causes: list[RootCauseCheck]

    @strawberry.field
    async def coach(self, info: Ctx) -> Person | None:
        return await person_by_id(info, self.coach_id)

    @strawberry.field
    async def seller(self, info: Ctx) -> Person | None:
        return await person_by_id(info, self.seller_id)


CoachingQueueResult = Annotated[CoachingQueue | NotFound | Forbidden | ValidationProblem,
                                strawberry.union("CoachingQueueResult")]
ConversationGuideResult = Annotated[ConversationGuide | NotFound | Forbidden | ValidationProblem,
                                    strawberry.union("ConversationGuideResult")]
