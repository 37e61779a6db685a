"""GraphQL types of scorecards and adoption (the metrics service's read side)."""

from datetime import date
from enum import Enum
from typing import TypeVar

import strawberry
from strawberry.types import Info

from gateway.context import Context
from gateway.types.behaviors import Behavior, Comparator, IndicatorKind, Period
from gateway.types.metrics import Metric
from gateway.types.people import Person, people_of, person_of
from gateway.types.periods import ScorecardPeriod
from gateway.types.shapes import presents, shown
from services.metrics import analysis_schemas as wire
from services.metrics.analysis_schemas import AdoptionOut, ImpactOut, PeriodOut, ScorecardOut

Ctx = Info[Context, None]
V = TypeVar("V")


@strawberry.enum
class IndicatorStatus(Enum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"


@strawberry.enum
class Trend(Enum):
    UP = "up"
    DOWN = "down"
    FLAT = "flat"
    NO_DATA = "no_data"


def _behavior_id(root: strawberry.Parent[wire.BehaviorCard]) -> strawberry.ID:
    return strawberry.ID(str(root.id))


def _member_ids(root: strawberry.Parent[ScorecardOut]) -> list[strawberry.ID]:
    return [strawberry.ID(str(m)) for m in root.members]


def _audience_ids(root: strawberry.Parent[AdoptionOut]) -> list[strawberry.ID]:
    return [strawberry.ID(str(a)) for a in root.audience]


def _impact_metric_key(root: strawberry.Parent[ImpactOut]) -> str:
    return root.metric


def _given(value: V | None) -> V:
    """A figure the service leaves null only in the other kind of answer: an estimate's interval, a descriptive
    answer's note."""
    if value is None:
        raise ValueError("the impact answer lacks a figure its kind always has")
    return value


def _low(root: strawberry.Parent[ImpactOut]) -> float:
    return _given(root.low)


def _high(root: strawberry.Parent[ImpactOut]) -> float:
    return _given(root.high)


def _standard_error(root: strawberry.Parent[ImpactOut]) -> float:
    return _given(root.standard_error)


def _df(root: strawberry.Parent[ImpactOut]) -> float:
    return _given(root.df)


def _note(root: strawberry.Parent[ImpactOut]) -> str:
    return _given(root.note)


@presents(PeriodOut)
@strawberry.type(description="A week (ISO, from Monday), month or quarter, or the last 7, 28 or 90 days; both "
                             "ends inclusive.")
class PeriodWindow:
    kind: ScorecardPeriod
    start: date = strawberry.field(description="The first day (UTC), inclusive.")
    end: date = strawberry.field(description="The last day (UTC), inclusive.")
    days: int = strawberry.field(description="Days the period holds, count.")
    elapsed_days: int = strawberry.field(description="Days of it up to today, count (all of them once the period is "
                                                     "over); activity targets are taken pro rata over these.")


@presents(wire.IndicatorCard)
@strawberry.type(description="One indicator against its target over the period. Activity targets are taken pro "
                             "rata over the elapsed days; a team's activity actual is its audience's mean, its "
                             "proficiency actual is pooled.")
class IndicatorCard:
    indicator_id: strawberry.ID
    metric_key: str
    kind: IndicatorKind
    comparator: Comparator
    indicator_period: Period = strawberry.field(description="The period the indicator's target is stated per.")
    target: float = strawberry.field(description="The target as the indicator states it: for an activity, the "
                                                 "metric's unit per indicatorPeriod (e.g. meetings per week); for a "
                                                 "proficiency, the metric's own value (a ratio 0-1, an average).")
    expected: float = strawberry.field(description="What is expected over the elapsed days, in the metric's unit: "
                                                   "an activity target pro rata (a weekly 3 over 28 days is 12), a "
                                                   "proficiency target as is.")
    actual: float | None = strawberry.field(description="The metric over the elapsed days, in its unit: an activity "
                                                        "per person (a team: the mean of its audience), a "
                                                        "proficiency pooled; null when a ratio or average has "
                                                        "nothing to divide by.")
    gap: float | None = strawberry.field(description="actual - expected, in the metric's unit.")
    status: IndicatorStatus
    previous_actual: float | None = strawberry.field(description="actual over the whole previous period (the "
                                                                 "calendar one before, or the equal window before "
                                                                 "a rolling one), in the metric's unit.")
    trend: Trend = strawberry.field(description="Activity: the rate per day against the previous period's; "
                                                "proficiency: the value against the previous value.")
    members: int = strawberry.field(description="People the indicator applies to, count (1 on a person's "
                                                "scorecard).")
    meeting: int = strawberry.field(description="Of those, people on track on their own figures, count.")

    @strawberry.field
    async def metric(self, info: Ctx) -> Metric | None:
        found = await info.context.loaders.metric.load(self.metric_key)
        return shown(Metric, found) if found else None


@presents(wire.BehaviorCard)
@strawberry.type
class BehaviorCard:
    behavior_id: strawberry.ID = strawberry.field(resolver=_behavior_id)
    key: str
    name: str
    indicators: list[IndicatorCard]

    @strawberry.field(description="The behaviour itself, from the behaviors service.")
    async def behavior(self, root: strawberry.Parent[wire.BehaviorCard], info: Ctx) -> Behavior | None:
        found = await info.context.loaders.behavior.load(str(root.id))
        return shown(Behavior, found) if found else None


@presents(ScorecardOut)
@strawberry.type(description="Every active behaviour that applies to a person or a team, indicator by indicator.")
class Scorecard:
    person_id: strawberry.ID | None
    team_of: strawberry.ID | None
    member_ids: list[strawberry.ID] = strawberry.field(resolver=_member_ids)
    period: PeriodWindow
    previous: PeriodWindow
    behaviors: list[BehaviorCard]

    person: Person | None = person_of("person_id")
    members: list[Person] = people_of("members", "The people measured: the person, or the team as of the "
                                                 "period's first day.")


@presents(wire.AdoptionIndicator)
@strawberry.type
class AdoptionIndicator:
    indicator_id: strawberry.ID
    metric_key: str
    kind: IndicatorKind
    comparator: Comparator
    target: float = strawberry.field(description="The target as the indicator states it (per its own period for an "
                                                 "activity), in the metric's unit.")
    expected: float = strawberry.field(description="The target over the period's elapsed days, in the metric's "
                                                   "unit (pro rata for an activity).")
    meeting: int = strawberry.field(description="Audience members on track on their own figures, count.")
    share: float | None = strawberry.field(description="Share of the audience on track, 0-1 (meeting / audience "
                                                       "size); null for an empty audience.")


@presents(AdoptionOut)
@strawberry.type(description="The share of a behaviour's audience (in a team, or the tenant) meeting each "
                             "indicator over a period.")
class Adoption:
    behavior_id: strawberry.ID
    behavior_key: str
    team_of: strawberry.ID | None
    period: PeriodWindow
    audience_ids: list[strawberry.ID] = strawberry.field(resolver=_audience_ids)
    indicators: list[AdoptionIndicator]

    @strawberry.field(description="People in the behaviour's audience measured, count.")
    def audience_size(self, root: strawberry.Parent[AdoptionOut]) -> int:
        return len(root.audience)

    audience: list[Person] = people_of("audience")


@presents(wire.ImpactDenominatorsOut)
@strawberry.type(description="A ratio's denominator per person in each window (closed deals per person …), each "
                             "group weighted as in the estimate: did the base of the ratio move too?")
class ImpactDenominators:
    treated_pre: float = strawberry.field(description="The treated group's denominator per person in the pre "
                                                      "window, count (closed deals …).")
    treated_post: float = strawberry.field(description="The treated group's denominator per person in the post "
                                                       "window, count.")
    comparison_pre: float = strawberry.field(description="The comparison group's denominator per person in the pre "
                                                         "window, count.")
    comparison_post: float = strawberry.field(description="The comparison group's denominator per person in the "
                                                          "post window, count.")


@presents(wire.ImpactPlaceboOut)
@strawberry.type(description="The pre-period placebo check: the same estimate at a fake date windowDays before the "
                             "real one (every treated day moved back one window), where nothing happened. An "
                             "interval that excludes 0 there says the design does not hold for these data: do not "
                             "trust the real estimate either.")
class ImpactPlacebo:
    day: date = strawberry.field(description="The fake date: comparisonDay - windowDays.")
    shift_days: int = strawberry.field(description="How far every date was moved back, days.")
    effect: float | None = strawberry.field(description="The estimate at the fake date, in the answer's `unit`; "
                                                        "null when the data there support none (see note).")
    low: float | None = strawberry.field(description="Lower end of its interval, in `unit`; null without one.")
    high: float | None = strawberry.field(description="Upper end of its interval, in `unit`; null without one.")
    holds: bool | None = strawberry.field(description="Whether its interval contains 0 (the check passed); null "
                                                      "without an interval.")
    note: str | None = strawberry.field(description="Why there is no interval or no estimate.")


@strawberry.enum(description="How an impact is estimated: against a comparison group (difference in differences) "
                             "or, when everybody was treated on the date, as an interrupted time series (the "
                             "history before the date predicts the counterfactual).")
class ImpactDesign(Enum):
    COMPARISON_GROUP = "comparison_group"
    INTERRUPTED_TIME_SERIES = "interrupted_time_series"


@strawberry.type(description="What every impact answer with figures holds (ImpactEstimate, ImpactDescriptive).")
class ImpactFigures:  # not in the schema: the fields the two types presenting ImpactOut share
    metric_key: str = strawberry.field(resolver=_impact_metric_key)
    course_id: str | None
    programme_id: strawberry.ID | None
    day: date | None
    team_of: strawberry.ID | None
    role: str
    window_days: int = strawberry.field(description="Length of the pre and the post window, days.")
    unit: str = strawberry.field(description="What effect and the group values count, per what window.")
    comparison_day: date = strawberry.field(description="The date, or the median treated day (each treated day's "
                                                        "people are compared over their own windows).")
    design: ImpactDesign = strawberry.field(description="Against a comparison group, or an interrupted time "
                                                        "series (everybody treated on the date).")
    excluded: int = strawberry.field(description="Treated people left out because their post window has not ended "
                                                 "yet, count.")
    not_employed: int = strawberry.field(description="Treated people left out because they were not employed on "
                                                     "every day of their pre and post windows, count.")
    without_comparison: int = strawberry.field(description="Treated people left out because fewer than 5 people "
                                                           "were not (yet) treated over their windows, count.")
    effect: float = strawberry.field(description="The difference in differences, in `unit`.")
    confidence: float = strawberry.field(description="Coverage the interval is built for, 0-1 (0.95).")
    treated_size: int = strawberry.field(description="Treated people measured, count.")
    comparison_size: int = strawberry.field(description="People who served as comparison (never or not yet "
                                                        "treated), count.")
    treated_pre: float = strawberry.field(description="The treated group's value in the pre window, in `unit`.")
    treated_post: float = strawberry.field(description="The treated group's value in the post window, in `unit`.")
    comparison_pre: float = strawberry.field(description="The comparison group's value in the pre window, in "
                                                         "`unit`.")
    comparison_post: float = strawberry.field(description="The comparison group's value in the post window, in "
                                                          "`unit`.")
    method: str = strawberry.field(description="How the interval is made: welch_t (persons), team_t (teams), "
                                               "its_t (the time series' backtest windows) or descriptive (none).")
    inference_unit: str = strawberry.field(description="What varies independently in the interval: person, team "
                                                       "(each person's direct manager) or window (the time series' "
                                                       "earlier forecast windows).")
    treated_units: int = strawberry.field(description="Persons or teams on the treated side, count.")
    comparison_units: int = strawberry.field(description="Persons or teams on the comparison side, count.")
    cohorts: int = strawberry.field(description="Distinct treated days, each compared over its own windows, count.")
    weighting: str | None = strawberry.field(description="A ratio's weighting: deals (pooled) or persons; null for "
                                                         "counts and sums.")
    denominators: ImpactDenominators | None = strawberry.field(description="A deal-weighted ratio's denominators "
                                                                           "per person in each window.")
    placebo: ImpactPlacebo | None = strawberry.field(description="The pre-period placebo check beside the "
                                                                 "estimate; null only when the history is too short.")


@presents(ImpactOut, when=lambda impact: not impact.descriptive_only)
@strawberry.type(description="Difference in differences: (treated post - pre) - (comparison post - pre), each "
                             "treated person over their own windows of windowDays before and after their day and "
                             "compared with the people not (yet) treated over the same windows, with a 95% t "
                             "interval on whole units (inferenceUnit: persons or teams). When everybody was treated "
                             "on the date (design INTERRUPTED_TIME_SERIES): the post window against the one the "
                             "history before the date predicts, the comparison values being that counterfactual. "
                             "Every figure is in `unit`; `placebo` is the same estimate one window earlier. See "
                             "docs/impact.md.")
class ImpactEstimate(ImpactFigures):
    unit: str = strawberry.field(description="What effect, low, high and the group values count, per what window: "
                                             "e.g. \"c_level_meetings per person per 28 days\" (a count or sum: "
                                             "the mean per person; a ratio or average: pooled over the group, or "
                                             "the mean of each person's own with weighting PERSONS).")
    effect: float = strawberry.field(description="The estimated lift, in `unit`: (treatedPost - treatedPre) - "
                                                 "(comparisonPost - comparisonPre).")
    low: float = strawberry.field(resolver=_low, description="Lower end of the interval of the effect, in `unit`.")
    high: float = strawberry.field(resolver=_high,
                                   description="Upper end of the interval of the effect, in `unit`.")
    standard_error: float = strawberry.field(resolver=_standard_error,
                                             description="Standard error of the effect, in `unit`.")
    df: float = strawberry.field(resolver=_df, description="Degrees of freedom of the t interval "
                                                           "(Welch-Satterthwaite), a count (fractional).")
    resamples: int = strawberry.field(description="Bootstrap resamples, count: 0, the interval is analytic (kept for "
                                                  "earlier clients).",
                                      deprecation_reason="The interval is no longer a bootstrap: see method.")
    seed: int = strawberry.field(description="The bootstrap seed, a number without unit: 0 (kept for earlier "
                                             "clients).",
                                 deprecation_reason="The interval is no longer a bootstrap: see method.")
    backtests: int | None = strawberry.field(description="The time series' earlier forecast windows its interval "
                                                         "is measured on, count; null with a comparison group.")
    training_days: int | None = strawberry.field(description="The history each forecast of the time series is "
                                                             "fitted on, days; null with a comparison group.")


@presents(ImpactOut, when=lambda impact: impact.descriptive_only)
@strawberry.type(description="The figures of a difference in differences without an interval: the design cannot "
                             "support one (a kickoff for fewer teams than an interval needs: a shock shared by a "
                             "team could not be told from the effect). `note` says why.")
class ImpactDescriptive(ImpactFigures):
    effect: float = strawberry.field(description="The difference in differences, in `unit`: a description, not "
                                                 "evidence of an effect.")
    confidence: float = strawberry.field(description="Coverage an interval would be built for, 0-1 (0.95).")
    inference_unit: str = strawberry.field(description="The unit an interval would need: team or person.")
    note: str = strawberry.field(resolver=_note, description="Why there is no interval.")


@strawberry.type(description="The data cannot support an estimate: `reason` is treated_group_too_small, "
                             "comparison_group_too_small, no_denominator or unstable_denominator (fewer than "
                             "minGroup people carry the ratio's denominator in a window).")
class ImpactRefused:
    reason: str
    message: str
    treated_size: int = strawberry.field(description="Treated people found, count.")
    comparison_size: int = strawberry.field(description="Comparison people found, count.")
    min_group: int = strawberry.field(description="People each group needs at least, count.")


@strawberry.enum(description="What varies independently in an impact interval: AUTO is TEAM for a date (a kickoff) "
                             "or a programme and PERSON for a course.")
class InferenceUnit(Enum):
    AUTO = "auto"
    PERSON = "person"
    TEAM = "team"


@strawberry.enum(description="How a ratio metric's groups are weighted in an impact estimate: DEALS pools every "
                             "deal (sum of numerators / sum of denominators), PERSONS averages each person's own "
                             "ratio.")
class RatioWeighting(Enum):
    DEALS = "deals"
    PERSONS = "persons"


@strawberry.enum
class FiguresGrouping(Enum):
    COACH = "coach"
    SELLER = "seller"


@presents(wire.RatingAverages)
@strawberry.type(description="The sellers' mean rating per dimension, on the rating scale 1-5; null without ratings.")
class RatingAverage:
    relevant: float | None = strawberry.field(description="Mean 'relevant' rating, 1-5.")
    developmental: float | None = strawberry.field(description="Mean 'developmental' rating, 1-5.")
    motivational: float | None = strawberry.field(description="Mean 'motivational' rating, 1-5.")


@presents(wire.CoachingFigures)
@strawberry.type(description="Coaching figures of one coach or seller, from the metrics read model's sessions.")
class CoachingFiguresRow:
    person_id: strawberry.ID
    sessions_held: int = strawberry.field(description="Sessions held (completed) in the window, count.")
    cancelled: int = strawberry.field(description="Sessions cancelled in the window, count.")
    no_show: int = strawberry.field(description="Sessions marked no-show in the window, count.")
    rated: int = strawberry.field(description="Sessions held that the seller rated, count.")
    average_rating: RatingAverage
    with_agreed_action: int = strawberry.field(description="Sessions held with at least one agreed action, count.")
    agreed_action_share: float | None = strawberry.field(description="Share of the sessions held with an agreed "
                                                                     "action, 0-1; null without sessions.")

    person: Person | None = person_of("person_id")
