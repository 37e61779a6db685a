"""GraphQL types of scorecards and adoption (the metrics service's read side)."""

from datetime import date
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from gateway.context import Context
from gateway.types.behaviors import Behavior, Comparator, IndicatorKind, Period
from gateway.types.metrics import Metric
from gateway.types.people import Person, people_of, person_of
from gateway.types.periods import ScorecardPeriod

Ctx = Info[Context, None]


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


@strawberry.type(description="A week (ISO, from Monday), month or quarter, or the last 7, 28 or 90 days; both "
                             "ends inclusive.")
class PeriodWindow:
    kind: ScorecardPeriod
    start: date
    end: date
    days: int
    elapsed_days: int = strawberry.field(description="Days up to today (all of them once the period is over).")

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "PeriodWindow":
        return cls(kind=ScorecardPeriod(d["kind"]), start=date.fromisoformat(d["start"]),
                   end=date.fromisoformat(d["end"]), days=d["days"], elapsed_days=d["elapsed_days"])


@strawberry.type(description="One indicator against its target over the period. Activity targets are taken pro "
                             "rata over the elapsed days; a team's activity actual is its audience's mean, its "
                             "proficiency actual is pooled.")
class IndicatorCard:
    indicator_id: strawberry.ID
    metric_key: str
    kind: IndicatorKind
    comparator: Comparator
    indicator_period: Period
    target: float
    expected: float
    actual: float | None
    gap: float | None
    status: IndicatorStatus
    previous_actual: float | None
    trend: Trend
    members: int
    meeting: int

    @strawberry.field
    async def metric(self, info: Ctx) -> Metric | None:
        found = await info.context.loaders.metric.load(self.metric_key)
        return Metric.from_json(found) if found else None

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "IndicatorCard":
        return cls(indicator_id=d["indicator_id"], metric_key=d["metric_key"], kind=IndicatorKind(d["kind"]),
                   comparator=Comparator(d["comparator"]), indicator_period=Period(d["indicator_period"]),
                   target=d["target"], expected=d["expected"], actual=d["actual"], gap=d["gap"],
                   status=IndicatorStatus(d["status"]), previous_actual=d["previous_actual"],
                   trend=Trend(d["trend"]), members=d["members"], meeting=d["meeting"])


@strawberry.type
class BehaviorCard:
    behavior_id: strawberry.ID
    key: str
    name: str
    indicators: list[IndicatorCard]

    @strawberry.field(description="The behaviour itself, from the behaviors service.")
    async def behavior(self, info: Ctx) -> Behavior | None:
        found = await info.context.loaders.behavior.load(str(self.behavior_id))
        return Behavior.from_json(found) if found else None


@strawberry.type(description="Every active behaviour that applies to a person or a team, indicator by indicator.")
class Scorecard:
    person_id: strawberry.ID | None
    team_of: strawberry.ID | None
    member_ids: list[strawberry.ID]
    period: PeriodWindow
    previous: PeriodWindow
    behaviors: list[BehaviorCard]

    person: Person | None = person_of("person_id")
    members: list[Person] = people_of("member_ids", "The people measured: the person, or the team as of the "
                                                    "period's first day.")

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Scorecard":
        return cls(person_id=d["person_id"], team_of=d["team_of"], member_ids=d["members"],
                   period=PeriodWindow.from_json(d["period"]), previous=PeriodWindow.from_json(d["previous"]),
                   behaviors=[BehaviorCard(behavior_id=b["id"], key=b["key"], name=b["name"],
                                           indicators=[IndicatorCard.from_json(i) for i in b["indicators"]])
                              for b in d["behaviors"]])


@strawberry.type
class AdoptionIndicator:
    indicator_id: strawberry.ID
    metric_key: str
    kind: IndicatorKind
    comparator: Comparator
    target: float
    expected: float
    meeting: int
    share: float | None = strawberry.field(description="meeting / audience size; null for an empty audience.")


@strawberry.type(description="The share of a behaviour's audience (in a team, or the tenant) meeting each "
                             "indicator over a period.")
class Adoption:
    behavior_id: strawberry.ID
    behavior_key: str
    team_of: strawberry.ID | None
    period: PeriodWindow
    audience_ids: list[strawberry.ID]
    indicators: list[AdoptionIndicator]

    @strawberry.field
    def audience_size(self) -> int:
        return len(self.audience_ids)

    audience: list[Person] = people_of("audience_ids")

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Adoption":
        return cls(behavior_id=d["behavior_id"], behavior_key=d["behavior_key"], team_of=d["team_of"],
                   period=PeriodWindow.from_json(d["period"]), audience_ids=d["audience"],
                   indicators=[AdoptionIndicator(
                       indicator_id=i["indicator_id"], metric_key=i["metric_key"], kind=IndicatorKind(i["kind"]),
                       comparator=Comparator(i["comparator"]), target=i["target"], expected=i["expected"],
                       meeting=i["meeting"], share=i["share"]) for i in d["indicators"]])


@strawberry.type(description="Difference in differences: (treated post - pre) - (comparison post - pre) over equal "
                             "windows, with a 95% person-level bootstrap interval.")
class ImpactEstimate:
    metric_key: str
    course_id: str | None
    programme_id: strawberry.ID | None
    day: date | None
    team_of: strawberry.ID | None
    role: str
    window_days: int
    comparison_day: date
    excluded: int = strawberry.field(description="Treated people whose post window has not ended yet.")
    effect: float
    low: float
    high: float
    confidence: float
    treated_size: int
    comparison_size: int
    treated_pre: float
    treated_post: float
    comparison_pre: float
    comparison_post: float
    resamples: int
    seed: int

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "ImpactEstimate":
        return cls(metric_key=d["metric"], course_id=d["course_id"], programme_id=d["programme_id"],
                   day=date.fromisoformat(d["day"]) if d["day"] else None, team_of=d["team_of"], role=d["role"],
                   window_days=d["window_days"], comparison_day=date.fromisoformat(d["comparison_day"]),
                   **{k: d[k] for k in ("excluded", "effect", "low", "high", "confidence", "treated_size",
                                        "comparison_size", "treated_pre", "treated_post", "comparison_pre",
                                        "comparison_post", "resamples", "seed")})


@strawberry.type(description="The data cannot support an estimate: `reason` is treated_group_too_small, "
                             "comparison_group_too_small, no_denominator or unstable_denominator.")
class ImpactRefused:
    reason: str
    message: str
    treated_size: int
    comparison_size: int
    min_group: int


@strawberry.enum
class FiguresGrouping(Enum):
    COACH = "coach"
    SELLER = "seller"


@strawberry.type
class RatingAverage:
    relevant: float | None
    developmental: float | None
    motivational: float | None


@strawberry.type(description="Coaching figures of one coach or seller, from the metrics read model's sessions.")
class CoachingFiguresRow:
    person_id: strawberry.ID
    sessions_held: int
    cancelled: int
    no_show: int
    rated: int
    average_rating: RatingAverage
    with_agreed_action: int
    agreed_action_share: float | None

    person: Person | None = person_of("person_id")

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "CoachingFiguresRow":
        return cls(**{**d, "average_rating": RatingAverage(**d["average_rating"])})
