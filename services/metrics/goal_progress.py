"""Goal progress: each agreed goal (its terms in force, mirrored from the coaching service in `coaching_goals`)
measured against the seller's own figures in metric_daily.

- The period measured is the goal's period kind (week, month, quarter; periods.py) holding `on` (default today).
  Once the period holding `review_on` (the review period) is over — `on` and today both after its last day —
  the review period is measured instead and the result is final.
- Actual: the metric over the period's elapsed days (up to today; windows.value_of, as scorecards compute a
  person's figure: an activity goal counts a missing value as 0). Expected: an activity target pro rata over
  the elapsed days (periods.scaled_target, as scorecards do: over a 31-day month a monthly target of 10 expects
  10 x 31 / 30.44); a proficiency target as it is. A period that has not started has no actual.
- Status: periods.judge with the goal read as "at least the target" (`gte`): on_track / at_risk / off_track /
  no_data while running; when final, achieved (it was on track over the whole review period) or missed
  (anything else, a ratio with nothing to divide by included).
- Series: the metric per period of the goal's kind from the period holding the day the goal was first agreed
  to the period measured (capped to the last MAX_SERIES periods), composed like series.py's.
- Goals the caller may not see — the seller's figures of that metric (visibility.py) — are left out, like
  people in /v1/scorecards; so are goals the read model does not hold (unknown, not agreed, removed).
Every goal of a batch is measured from one query of metric_daily.
"""

import uuid
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from common.errors import InvalidInput
from services.metrics.analysis_schemas import PeriodOut
from services.metrics.catalogue import Metric, Metrics
from services.metrics.goal_progress_schemas import GoalPeriod, GoalProgressOut, GoalSeriesOut, GoalStatus
from services.metrics.models import CoachingGoal
from services.metrics.periods import Period, PeriodOutOfRange, judge, period_of, scaled_target
from services.metrics.repository import QueryRepository
from services.metrics.series import Totals, compose
from services.metrics.visibility import Visibility
from services.metrics.windows import value_of

MAX_SERIES: dict[str, int] = {"week": 260, "month": 120, "quarter": 40}
COMPARATOR = "gte"  # a goal's target is one to reach


@dataclass(frozen=True)
class Plan:
    goal: CoachingGoal
    metric: Metric | None
    period: Period
    review_period: Period
    final: bool
    elapsed: int
    starts: list[date]  # the series' periods

    @property
    def measured_end(self) -> date:
        return self.period.start + timedelta(days=max(self.elapsed, 1) - 1)


def _period(day: date, kind: GoalPeriod) -> Period:
    try:
        return period_of(day, kind)
    except PeriodOutOfRange as err:
        raise InvalidInput(str(err), errors=[
            {"field": "query.on", "message": str(err), "code": "out_of_range"}]) from err


def _starts(first: date, period: Period, kind: GoalPeriod) -> list[date]:
    """The starts of the periods from the one holding `first` to `period` (just `period` when `first` is
    later), the last MAX_SERIES of them."""
    starts = [period.start]
    while len(starts) < MAX_SERIES[kind] and starts[0] > first and starts[0] > date.min:
        starts.insert(0, period_of(starts[0] - timedelta(days=1), kind).start)
    return starts


def _out(p: Period, today: date) -> PeriodOut:
    return PeriodOut(kind=p.kind, start=p.start, end=p.end, days=p.days, elapsed_days=p.elapsed(today))


class GoalProgressService:
    def __init__(self, queries: QueryRepository, metrics: Metrics, visibility: Visibility, today: date) -> None:
        self.queries = queries
        self.metrics = metrics
        self.visibility = visibility
        self.today = today

    def _plan(self, goal: CoachingGoal, on: date) -> Plan:
        kind: GoalPeriod = goal.period  # type: ignore[assignment]
        review_period = _period(goal.review_on, kind)
        final = on > review_period.end and self.today > review_period.end
        period = review_period if final else _period(on, kind)
        return Plan(goal, self.metrics.get(goal.metric_key), period, review_period, final,
                    period.elapsed(self.today), _starts(goal.first_agreed_at.date(), period, kind))

    async def progress(self, goal_ids: Sequence[uuid.UUID], on: date) -> list[GoalProgressOut]:
        goals = [g for g in await self.queries.coaching_goals(goal_ids)
                 if await self.visibility.visible([g.seller_id], g.metric_key)]
        plans = [self._plan(g, on) for g in goals]
        measured = [p for p in plans if p.metric is not None]
        rows: dict[uuid.UUID, list[tuple[str, date, float, float]]] = defaultdict(list)
        if measured:
            keys = sorted({k for p in measured for k in p.metric.parts})  # type: ignore[union-attr]
            people = sorted({p.goal.seller_id for p in measured})
            first, last = min(p.starts[0] for p in measured), max(p.period.end for p in measured)
            for person, key, day, num, den in await self.queries.daily(keys, people, first, last):
                rows[person].append((key, day, float(num), float(den or 0.0)))
        return [self._measure(p, rows[p.goal.seller_id]) for p in plans]

    def _measure(self, plan: Plan, rows: Sequence[tuple[str, date, float, float]]) -> GoalProgressOut:
        g, metric, period = plan.goal, plan.metric, plan.period
        totals = Totals(len(plan.starts))
        window: dict[str, tuple[float, float]] = {}
        actual: float | None = None
        if metric is not None:
            parts = set(metric.parts)
            series_end = period.end
            for key, day, num, den in rows:
                if key not in parts:
                    continue
                if plan.starts[0] <= day <= series_end:
                    totals.add(bisect_right(plan.starts, day) - 1, key, num, den)
                if plan.elapsed and period.start <= day <= plan.measured_end:
                    n, d = window.get(key, (0.0, 0.0))
                    window[key] = (n + num, d + den)
            if plan.elapsed:
                actual = value_of(metric, window).value
                if g.kind == "activity":
                    actual = actual or 0.0
            values, numerators, denominators = compose(metric, totals, len(plan.starts))
        else:
            values, numerators, denominators = [None] * len(plan.starts), [0.0] * len(plan.starts), [None] * len(
                plan.starts)
        expected = scaled_target(g.target, period.kind, plan.elapsed) if g.kind == "activity" else g.target  # type: ignore[arg-type]
        running = judge(actual, expected, COMPARATOR)
        status: GoalStatus = ("achieved" if running == "on_track" else "missed") if plan.final else running
        return GoalProgressOut(
            goal_id=g.id, revision=g.version, seller_id=g.seller_id, coach_id=g.coach_id, metric_key=g.metric_key,
            kind=g.kind, target=g.target, goal_period=g.period, review_on=g.review_on,
            first_agreed_at=g.first_agreed_at, period=_out(period, self.today),
            review_period=_out(plan.review_period, self.today), final=plan.final, actual=actual, expected=expected,
            gap=None if actual is None else actual - expected, status=status,
            series=GoalSeriesOut(grain=period.kind, starts=plan.starts, values=values,
                                 numerators=numerators, denominators=denominators))
