"""GraphQL types of gap evaluations and the gap summary (the metrics service's `GET /v1/gap-evaluations` and
`GET /v1/gap-summary`; shapes: services/metrics/gap_schemas.py)."""

from datetime import date, datetime
from enum import Enum
from typing import Annotated

import strawberry

from gateway.types.behaviors import RootCause
from gateway.types.coaching_enums import GapOutcome, GapStatus
from gateway.types.common import Forbidden, ValidationProblem
from gateway.types.shapes import presents
from services.metrics import gap_schemas


@strawberry.enum(description="Whether an indicator moved the right way after the gap was opened (up for an "
                             "'at least' target, down for an 'at most' one), the wrong way, not at all, or has no "
                             "figure on one side.")
class IndicatorMovement(Enum):
    RIGHT_WAY = "right_way"
    WRONG_WAY = "wrong_way"
    FLAT = "flat"
    NO_DATA = "no_data"


@strawberry.enum(description="Who should act on a root cause: ENABLEMENT (training) for skills and knowledge, "
                             "OPERATIONS_AND_MANAGEMENT for environment and capacity, the seller's MANAGER for "
                             "commitment.")
class GapActor(Enum):
    ENABLEMENT = "enablement"
    OPERATIONS_AND_MANAGEMENT = "operations_and_management"
    MANAGER = "manager"


@strawberry.enum(description="How the gap summary groups gaps: by root cause, behaviour, team (the seller's direct "
                             "manager on the day the gap was opened) or coach (who held the session that named it).")
class GapGrouping(Enum):
    ROOT_CAUSE = "root_cause"
    BEHAVIOR = "behavior"
    TEAM = "team"
    COACH = "coach"


@presents(gap_schemas.GapIndicatorOut)
@strawberry.type(description="One indicator of the gap's behaviour: the seller's figure over the window before the "
                             "gap was opened and the equal window since.")
class GapIndicatorFigure:
    metric_key: str
    comparator: str = strawberry.field(description="gte: at least the target; lte: at most.")
    before: float | None = strawberry.field(description="In the metric's unit: a count or sum over the window, or a "
                                                        "ratio or average; null when it has nothing to divide by.")
    after: float | None = strawberry.field(description="In the metric's unit, over the window since the opening day.")
    change: float | None = strawberry.field(description="after - before, in the metric's unit.")
    relative_change: float | None = strawberry.field(description="change / |before|, the right way positive, as "
                                                                 "a fraction (0.25 = 25 percent); null when before "
                                                                 "is 0.")
    movement: IndicatorMovement


@presents(gap_schemas.GapEvaluationOut)
@strawberry.type(description="Did the indicators of the gap's behaviour move after the gap was opened? Equal windows "
                             "of `days` days (windowDays, fewer while the gap is younger) before the opening day and "
                             "from it on.")
class GapEvaluation:
    opened_at: datetime
    status: GapStatus
    outcome: GapOutcome | None
    closed_at: datetime | None = strawberry.field(description="When the session that closed it was held.")
    days_to_close: int | None = strawberry.field(description="Days from the opening day to the closing day.")
    window_days: int = strawberry.field(description="The window asked for, in days.")
    days: int = strawberry.field(description="The length of each window, in days.")
    before_start: date
    after_start: date
    after_end: date
    indicators: list[GapIndicatorFigure]
    improved: bool | None = strawberry.field(description="Some indicator moved the right way; null when none has "
                                                         "figures on both sides.")
    sessions_since: int = strawberry.field(description="The count of the seller's completed sessions since the gap "
                                                         "was opened.")


@presents(gap_schemas.RootCauseCount)
@strawberry.type
class RootCauseCount:
    root_cause: RootCause
    opened: int = strawberry.field(description="The count of gaps opened with this root cause.")
    who_should_act: GapActor


@presents(gap_schemas.GapSummaryRow)
@strawberry.type(description="The gaps of one group opened in the window and what became of them so far.")
class GapSummaryRow:
    key: str | None = strawberry.field(description="The root cause, behaviour key, manager id (TEAM) or coach id; "
                                                   "null when the seller had no manager or the coach is unknown.")
    name: str | None
    who_should_act: GapActor | None = strawberry.field(description="For a root cause row.")
    opened: int = strawberry.field(description="The count of gaps opened in the window.")
    closed: int = strawberry.field(description="The count of them closed so far.")
    open: int = strawberry.field(description="The count of them still open.")
    resolved: int = strawberry.field(description="The count closed as resolved.")
    persists: int = strawberry.field(description="The count closed as persisting.")
    no_longer_relevant: int = strawberry.field(description="The count closed as no longer relevant.")
    share_resolved: float | None = strawberry.field(description="resolved / closed, 0-1.")
    median_days_to_close: float | None = strawberry.field(description="Over the closed ones, in days.")
    mean_change: float | None = strawberry.field(description="The mean relative change of the gaps' indicators "
                                                             "after them, the right way positive, as a fraction "
                                                             "(0.1 = 10 percent).")
    improved_share: float | None = strawberry.field(description="The share (0-1) of the indicator figures that "
                                                                "moved the right way.")
    root_causes: list[RootCauseCount]


@presents(gap_schemas.GapSummaryOut)
@strawberry.type(description="Root causes rolled up into training needs: the gaps opened in [first, last] "
                             "(tenant-wide, or of the sellers in teamOf's tree on each gap's opening day), grouped.")
class GapSummary:
    group_by: GapGrouping
    first: date
    last: date
    team_of: strawberry.ID | None
    window_days: int = strawberry.field(description="The evaluation windows, in days.")
    total: GapSummaryRow
    rows: list[GapSummaryRow]


GapSummaryResult = Annotated[GapSummary | ValidationProblem | Forbidden, strawberry.union("GapSummaryResult")]
