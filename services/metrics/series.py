"""Time series of a metric for people or a team, at day, week or month grain, from metric_daily.

Periods: a day; an ISO week (Monday to Sunday); a calendar month. The window asked for is widened to whole
periods (from the first day of the period holding `from` to the last day of the one holding `to`) and capped:
400 days, 260 weeks or 120 months (422 beyond).

Values per period: a count or sum is Σnum; an average Σnum / Σden; a ratio Σnum(numerator) / Σnum(denominator)
— null when there is nothing to divide by.

A team is everyone under the manager (directly or not, the manager not included) **on each period's first
day**, from the read model's effective-dated reporting lines: after a reorg a person counts for their new
team from the first period that starts after it, and for the old one in the periods before. Members' parts
are summed per period before dividing. The lines of the whole window are read in one recursive query; the
daily rows of every person who was ever a member in the window in one more (per chunk of people).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from common.errors import InvalidInput, NotFound
from services.metrics.catalogue import Metric, Metrics
from services.metrics.org import Org
from services.metrics.repository import DailyRow, QueryRepository
from services.metrics.schemas import Grain, SeriesOut
from services.metrics.visibility import Visibility
from services.metrics.windows import value_of

MAX_PERIODS: dict[str, int] = {"day": 400, "week": 260, "month": 120}


def _invalid(field: str, message: str, code: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"field": f"query.{field}", "message": message, "code": code}])


@dataclass(frozen=True)
class Window:
    grain: Grain
    starts: list[date]
    last: date  # the last day of the last period

    @classmethod
    def of(cls, grain: Grain, first: date, last: date) -> "Window":
        if last < first:
            raise _invalid("to", "`to` must not be before `from`.", "window")
        if grain == "day":
            begin, count = first, (last - first).days + 1
        elif grain == "week":
            begin = first - timedelta(days=first.weekday())
            count = (last - begin).days // 7 + 1
        else:
            begin, count = first.replace(day=1), (last.year - first.year) * 12 + last.month - first.month + 1
        if count > MAX_PERIODS[grain]:
            raise _invalid("from", f"A {grain} series holds at most {MAX_PERIODS[grain]} periods; this window "
                           f"holds {count}.", "window_too_long")
        if grain == "day":
            starts = [begin + timedelta(days=i) for i in range(count)]
            end = starts[-1]
        elif grain == "week":
            starts = [begin + timedelta(weeks=i) for i in range(count)]
            end = starts[-1] + timedelta(days=6)
        else:
            starts = [begin]
            for _ in range(count - 1):
                starts.append(_next_month(starts[-1]))
            end = _next_month(starts[-1]) - timedelta(days=1)
        return cls(grain, starts, end)

    def index(self, day: date) -> int:
        """The period holding `day` (which lies within the window)."""
        first = self.starts[0]
        if self.grain == "day":
            return (day - first).days
        if self.grain == "week":
            return (day - first).days // 7
        return (day.year - first.year) * 12 + day.month - first.month


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


class Totals:
    """Σnum and Σden per period and stored metric."""

    def __init__(self, periods: int) -> None:
        self.cells: list[dict[str, list[float]]] = [{} for _ in range(periods)]

    def add(self, period: int, key: str, num: float, den: float) -> None:
        cell = self.cells[period].setdefault(key, [0.0, 0.0])
        cell[0] += num
        cell[1] += den

    def get(self, period: int, key: str) -> tuple[float, float]:
        num, den = self.cells[period].get(key, (0.0, 0.0))
        return num, den


def compose(metric: Metric, totals: Totals, periods: int) -> tuple[list[float | None], list[float],
                                                                   list[float | None]]:
    """Per period, the metric from its parts' sums (windows.value_of); denominators null for counts and sums."""
    values: list[float | None] = []
    numerators: list[float] = []
    denominators: list[float | None] = []
    for i in range(periods):
        v = value_of(metric, {k: totals.get(i, k) for k in metric.parts})
        values.append(v.value)
        numerators.append(v.num)
        denominators.append(None if metric.aggregation in ("count", "sum") else v.den)
    return values, numerators, denominators


class SeriesService:
    def __init__(self, queries: QueryRepository, metrics: Metrics, visibility: Visibility) -> None:
        self.queries = queries
        self.metrics = metrics
        self.visibility = visibility

    def metric(self, key: str) -> Metric:
        found = self.metrics.get(key)
        if found is None:
            raise _invalid("metric", f"There is no metric {key!r}.", "unknown_metric")
        return found

    async def people(self, key: str, person_ids: Sequence[uuid.UUID], grain: Grain, first: date,
                     last: date, *, leave_out_hidden: bool = False) -> list[SeriesOut]:
        """One series per person; a person the caller may not see is a 403, or left out of a batch."""
        metric, window = self.metric(key), Window.of(grain, first, last)
        if leave_out_hidden:
            person_ids = await self.visibility.visible(person_ids, key)
        await self.visibility.check(person_ids, metric=key)
        rows = await self.queries.daily(metric.parts, person_ids, window.starts[0], window.last)
        totals = {p: Totals(len(window.starts)) for p in person_ids}
        for person, part, day, num, den in rows:
            totals[person].add(window.index(day), part, num, den)
        out = []
        for p in person_ids:
            values, numerators, denominators = compose(metric, totals[p], len(window.starts))
            out.append(SeriesOut(metric=key, grain=grain, person_id=p, starts=window.starts, values=values,
                                 numerators=numerators, denominators=denominators))
        return out

    async def team(self, key: str, manager_id: uuid.UUID, grain: Grain, first: date, last: date) -> SeriesOut:
        metric, window = self.metric(key), Window.of(grain, first, last)
        await self.visibility.check([manager_id], whole=True)
        if not await self.queries.knows_person(manager_id):
            raise NotFound(f"Person {manager_id} is not in the directory.")
        org = Org(await self.queries.subtree_lines(manager_id, window.starts[0], window.last))
        members = [org.team(manager_id, start) for start in window.starts]
        everyone = sorted(set().union(*members))
        rows: list[DailyRow] = await self.queries.daily(metric.parts, everyone, window.starts[0], window.last)
        totals = Totals(len(window.starts))
        for person, part, day, num, den in rows:
            i = window.index(day)
            if person in members[i]:
                totals.add(i, part, num, den)
        values, numerators, denominators = compose(metric, totals, len(window.starts))
        return SeriesOut(metric=key, grain=grain, team_of=manager_id, starts=window.starts, values=values,
                         numerators=numerators, denominators=denominators, members=[len(m) for m in members])
