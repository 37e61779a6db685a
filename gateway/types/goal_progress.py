"""GraphQL types of goal progress (the metrics service's `GET /v1/goal-progress`)."""

from datetime import date, datetime
from enum import Enum

import strawberry

from gateway.types.behaviors import Period
from gateway.types.coaching_enums import GoalKind
from gateway.types.scorecards import PeriodWindow
from gateway.types.shapes import presents
from services.metrics.goal_progress_schemas import GoalProgressOut, GoalSeriesOut


@strawberry.enum(description="ON_TRACK, AT_RISK, OFF_TRACK or NO_DATA while the period runs (judged like scorecard "
                             "indicators, the goal read as 'at least the target'); ACHIEVED or MISSED once the "
                             "period holding the review day is over.")
class GoalStatus(Enum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"
    ACHIEVED = "achieved"
    MISSED = "missed"


@presents(GoalSeriesOut)
@strawberry.type(description="The goal's metric per period of the goal's own kind, from the period it was first "
                             "agreed in to the period measured (lists of scalars, one entry per start).")
class GoalSeries:
    grain: Period
    starts: list[date]
    values: list[float | None] = strawberry.field(description="The metric per period, in the metric's unit; null "
                                                               "where a ratio or average has nothing to divide by.")
    numerators: list[float] = strawberry.field(description="Per period: a count or sum in the metric's unit, or "
                                                           "what a ratio or average divides.")
    denominators: list[float | None] = strawberry.field(description="Per period, a count (what a ratio or "
                                                                    "average divides by); null for counts and sums.")


@presents(GoalProgressOut)
@strawberry.type(description="An agreed goal measured on its terms in force (the latest agreed revision): the "
                             "actual over the period's elapsed days, the expected (an activity target pro rata over "
                             "them, like scorecards), the status, and the series since the goal was first agreed.")
class GoalProgress:
    goal_id: strawberry.ID
    revision: int = strawberry.field(description="The number of the agreed revision measured.")
    metric_key: str
    kind: GoalKind
    target: float = strawberry.field(description="In the metric's unit: per `goalPeriod` for an activity, the value "
                                                 "itself for a proficiency (a ratio 0-1, an average).")
    goal_period: Period
    review_on: date
    first_agreed_at: datetime
    period: PeriodWindow = strawberry.field(description="The goal's period holding `on`, or the review period once "
                                                        "that is over (`final`).")
    review_period: PeriodWindow = strawberry.field(description="The goal's period holding its review day.")
    final: bool = strawberry.field(description="The review period is over: the status is ACHIEVED or MISSED.")
    actual: float | None = strawberry.field(description="The metric over the period's elapsed days, in the "
                                                         "metric's unit; null before the period starts.")
    expected: float = strawberry.field(description="In the metric's unit: an activity target pro rata over the "
                                                   "elapsed days, a proficiency target as it is.")
    gap: float | None = strawberry.field(description="actual - expected, in the metric's unit.")
    status: GoalStatus
    series: GoalSeries
