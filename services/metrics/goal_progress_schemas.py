"""Wire shapes of goal progress (goal_progress.py). Pure pydantic."""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from services.metrics.analysis_schemas import PeriodOut

GoalPeriod = Literal["week", "month", "quarter"]
GoalStatus = Literal["on_track", "at_risk", "off_track", "no_data", "achieved", "missed"]


class GoalSeriesOut(BaseModel):
    """The goal's metric per period of the goal's own kind, from the period holding the day the goal was first
    agreed to the period measured (at most the last 260 weeks, 120 months or 40 quarters), as lists of scalars;
    `values` null where a ratio or average has nothing to divide by; `denominators` null for counts and sums."""

    grain: GoalPeriod
    starts: list[date]
    values: list[float | None]
    numerators: list[float]
    denominators: list[float | None]


class GoalProgressOut(BaseModel):
    """One agreed goal measured: its terms in force (`revision`: the agreed revision), the period measured —
    the goal's period holding `on`, or, once the period holding `review_on` is over (and `on` is after it),
    that review period with `final` true — the actual so far (over the elapsed days), the expected (an activity
    target pro rata over the elapsed days, like scorecards; a proficiency target as it is), the status
    (on_track / at_risk / off_track / no_data while running; achieved / missed when final) and the series."""

    goal_id: uuid.UUID
    revision: int
    seller_id: uuid.UUID
    coach_id: uuid.UUID
    metric_key: str
    kind: Literal["activity", "proficiency"]
    target: float
    goal_period: GoalPeriod
    review_on: date
    first_agreed_at: datetime
    period: PeriodOut
    review_period: PeriodOut
    final: bool
    actual: float | None
    expected: float
    gap: float | None
    status: GoalStatus
    series: GoalSeriesOut
