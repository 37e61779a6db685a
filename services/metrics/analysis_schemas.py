"""Wire shapes of scorecards and adoption. Pure pydantic: the gateway and clients may import this."""

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel

from services.metrics.periods import PeriodKind, ScorecardPeriod, Status, Trend


class PeriodOut(BaseModel):
    kind: ScorecardPeriod
    start: date
    end: date
    days: int
    elapsed_days: int  # days up to today (all of them once the period is over)


class IndicatorCard(BaseModel):
    indicator_id: uuid.UUID
    metric_key: str
    kind: Literal["activity", "proficiency"]
    comparator: Literal["gte", "lte"]
    indicator_period: PeriodKind
    target: float  # as the indicator states it, per its own period
    expected: float  # activity: the target pro rata over the elapsed days; proficiency: the target
    actual: float | None  # activity: per person (a team: the mean of its audience); proficiency: pooled
    gap: float | None  # actual - expected
    status: Status
    previous_actual: float | None  # the same over the whole previous period
    trend: Trend  # activity: rate per day vs the previous period's; proficiency: value vs value
    members: int  # people the indicator applies to (1 on a person's scorecard)
    meeting: int  # of those, how many are on track on their own


class BehaviorCard(BaseModel):
    id: uuid.UUID
    key: str
    name: str
    indicators: list[IndicatorCard]


class ScorecardOut(BaseModel):
    person_id: uuid.UUID | None
    team_of: uuid.UUID | None
    members: list[uuid.UUID]  # the people measured (the person, or the team as of the period's start)
    period: PeriodOut
    previous: PeriodOut
    behaviors: list[BehaviorCard]


class AdoptionIndicator(BaseModel):
    indicator_id: uuid.UUID
    metric_key: str
    kind: Literal["activity", "proficiency"]
    comparator: Literal["gte", "lte"]
    target: float
    expected: float
    meeting: int  # audience members on track for this indicator on their own figures
    share: float | None  # meeting / audience size (null for an empty audience)


class AdoptionOut(BaseModel):
    behavior_id: uuid.UUID
    behavior_key: str
    team_of: uuid.UUID | None  # null: the whole tenant
    period: PeriodOut
    audience: list[uuid.UUID]  # the behaviour's audience in the team, as of the period's start
    indicators: list[AdoptionIndicator]


class ImpactDenominatorsOut(BaseModel):
    """A deal-weighted ratio's denominator per person in each window (closed deals per person …), each group
    weighted as in the estimate: did the base of the ratio move too?"""

    treated_pre: float
    treated_post: float
    comparison_pre: float
    comparison_post: float


class ImpactPlaceboOut(BaseModel):
    """The same estimate at a fake date `window_days` before the real one (each treated day moved back one
    window): nothing happened there, so an interval excluding 0 says the design does not hold for these data."""

    day: date  # the fake date: comparison_day - window_days
    shift_days: int  # how far every date was moved back (window_days)
    effect: float | None  # null when refused
    low: float | None  # null without an interval
    high: float | None
    holds: bool | None  # the interval contains 0 (the check passed); null without an interval
    note: str | None  # why there is no interval or no estimate


class ImpactOut(BaseModel):
    """Difference in differences: (treated post - pre) - (comparison post - pre) over each treated person's own
    windows, with a t interval on whole units (persons or teams), or figures only (`descriptive_only`)."""

    metric: str
    course_id: str | None
    programme_id: uuid.UUID | None
    day: date | None  # a date intervention
    team_of: uuid.UUID | None
    role: str
    window_days: int
    unit: str  # what effect, low, high and the group values count, per what window, e.g. "calls per person per 28 days"
    comparison_day: date  # the date, or the median treated day (every cohort is compared over its own windows)
    design: Literal["comparison_group", "interrupted_time_series"]  # the latter: everybody treated, no comparison
    excluded: int  # treated people whose post window has not ended yet
    not_employed: int  # treated people left out: not employed on every day of their pre and post windows
    without_comparison: int  # treated people left out: fewer than 5 people not (yet) treated over their windows
    effect: float
    low: float | None  # null when descriptive_only
    high: float | None
    confidence: float
    treated_size: int
    comparison_size: int  # distinct people who served as comparison (never or not yet treated)
    treated_pre: float
    treated_post: float
    comparison_pre: float
    comparison_post: float
    resamples: int  # 0: the interval is analytic (kept for clients of the former bootstrap)
    seed: int  # 0, as resamples
    method: Literal["welch_t", "team_t", "descriptive", "its_t"]
    descriptive_only: bool  # true: too few units for an interval that holds; low and high are null
    note: str | None  # why the answer is descriptive only
    inference_unit: Literal["person", "team", "window"]  # what varies independently in the interval (window: the
    # time series' backtest windows)
    treated_units: int  # persons or teams on the treated side
    comparison_units: int
    cohorts: int  # distinct treated days, each compared over its own windows
    standard_error: float | None
    df: float | None  # degrees of freedom of the t interval
    weighting: Literal["deals", "persons"] | None  # a ratio's weighting; null for counts and sums
    denominators: ImpactDenominatorsOut | None  # a deal-weighted ratio's denominators per person
    backtests: int | None  # the time series' earlier forecasts its interval is measured on; null otherwise
    training_days: int | None  # the history each forecast of the time series is fitted on; null otherwise
    placebo: ImpactPlaceboOut | None  # the pre-period check; null only when the history is too short for it


# ---- coaching figures from the read model (coaching_figures.py)

GroupBy = Literal["coach", "seller"]


class RatingAverages(BaseModel):
    relevant: float | None
    developmental: float | None
    motivational: float | None


class CoachingFigures(BaseModel):
    person_id: uuid.UUID  # the coach or the seller
    sessions_held: int
    cancelled: int
    no_show: int
    rated: int
    average_rating: RatingAverages
    with_agreed_action: int
    agreed_action_share: float | None  # with_agreed_action / sessions_held


class CoachingFiguresOut(BaseModel):
    group_by: GroupBy
    first: date
    last: date
    team_of: uuid.UUID | None
    rows: list[CoachingFigures]
