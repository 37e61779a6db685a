"""Gap evaluation: did the indicators of a gap's behaviour move after the gap was opened?

For each gap (mirrored from the coaching service in `coaching_gaps`), and each indicator of its behaviour (the
active behaviour with that key in the read model, its indicators as they stand), the seller's own figure over two
equal windows of days:
- the opening day is the UTC day the session that named the gap was held;
- `days` = min(window_days, the days from the opening day through today): a gap opened 10 days ago is judged on
  10 days before against the 10 days since, so the two sides always cover the same number of days;
- before = [opening day - days, opening day - 1]; after = [opening day, opening day + days - 1];
- the figure is windows.value_of over metric_daily, as a scorecard computes a person's value (a count or sum over
  the window, a ratio or average of its sums; an activity without evidence is 0, a ratio without a denominator
  none);
- change = after - before; it moved the right way when it went up for a `gte` indicator and down for `lte`;
  relative change = change / |before| with the right way positive (none when before is 0 or a side is none).
A reorg does not change a gap's evaluation: the figures are the seller's own, whoever they reported to.
Every gap of a batch is measured from one read of metric_daily (people x metrics over the span of the windows)
and one read of the sellers' sessions.
"""

import uuid
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.metrics.analysis_repository import AnalysisRepository
from services.metrics.catalogue import Metrics
from services.metrics.gap_repository import GapRepository
from services.metrics.gap_schemas import Actor, GapEvaluationOut, GapIndicatorOut, Movement
from services.metrics.models import CoachingGap
from services.metrics.repository import QueryRepository
from services.metrics.visibility import Visibility
from services.metrics.windows import Part, value_of

DEFAULT_WINDOW_DAYS = 28
MAX_WINDOW_DAYS = 180
ACTORS: dict[str, Actor] = {"skills": "enablement", "knowledge": "enablement",
                            "environment": "operations_and_management", "capacity": "operations_and_management",
                            "commitment": "manager"}


@dataclass(frozen=True)
class Indicator:
    metric_key: str
    kind: str
    comparator: str


@dataclass(frozen=True)
class Windows:
    days: int
    before_start: date
    after_start: date
    after_end: date

    @property
    def before_end(self) -> date:
        return self.after_start - timedelta(days=1)


def opened_on(gap: CoachingGap) -> date:
    return gap.opened_at.astimezone(UTC).date()


def windows_of(opening: date, window_days: int, today: date) -> Windows:
    days = max(0, min(window_days, (today - opening).days + 1))
    return Windows(days, opening - timedelta(days=days), opening, opening + timedelta(days=days - 1))


def movement(before: float | None, after: float | None, comparator: str) -> tuple[float | None, float | None,
                                                                                   Movement]:
    """(change, relative change the right way positive, movement)."""
    if before is None or after is None:
        return None, None, "no_data"
    change = after - before
    sign = -1.0 if comparator == "lte" else 1.0
    relative = sign * change / abs(before) if before else None
    if abs(change) < 1e-9:
        return change, relative, "flat"
    return change, relative, "right_way" if sign * change > 0 else "wrong_way"


class Cumulative:
    """One person's rows of one stored metric as running sums, so any window's Σnum, Σden is two bisections."""

    def __init__(self, rows: Sequence[tuple[date, float, float]]) -> None:
        ordered = sorted(rows)
        self.days = [d for d, _, _ in ordered]
        self.num, self.den = [0.0], [0.0]
        for _, n, d in ordered:
            self.num.append(self.num[-1] + n)
            self.den.append(self.den[-1] + d)

    def sums(self, first: date, last: date) -> Part:
        i, j = bisect_left(self.days, first), bisect_right(self.days, last)
        return self.num[j] - self.num[i], self.den[j] - self.den[i]


EMPTY = Cumulative([])


class GapEvaluator:
    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID, metrics: Metrics, today: date,
                 visibility: Visibility | None = None) -> None:
        self.gaps = GapRepository(session, tenant_id)
        self.analysis = AnalysisRepository(session, tenant_id)
        self.queries = QueryRepository(session, tenant_id)
        self.metrics = metrics
        self.today = today
        self.visibility = visibility  # None: the caller sees every gap given (checked before)

    async def indicators(self) -> dict[str, list[Indicator]]:
        """The indicators of every active behaviour, by behaviour key."""
        return {b.key: [Indicator(i.metric_key, i.kind, i.comparator) for i in found]
                for b, found in await self.analysis.active_behaviors()}

    async def by_ids(self, ids: Sequence[uuid.UUID], window_days: int) -> list[GapEvaluationOut]:
        return await self.evaluate(await self.gaps.gaps(ids), window_days)

    async def evaluate(self, gaps: Sequence[CoachingGap], window_days: int) -> list[GapEvaluationOut]:
        """Each gap the caller may see evaluated, in the order given (see the module's docstring)."""
        by_key = await self.indicators()
        shown: list[tuple[CoachingGap, list[Indicator]]] = []
        for g in gaps:
            indicators = by_key.get(g.behavior_key, [])
            if self.visibility is not None:
                sight = await self.visibility.sight(g.seller_id)
                if sight is None:
                    continue
                indicators = [i for i in indicators if sight.allows(i.metric_key)]
            shown.append((g, indicators))
        if not shown:
            return []
        plans = [(g, ind, windows_of(opened_on(g), window_days, self.today)) for g, ind in shown]
        sellers = sorted({g.seller_id for g, _, _ in plans})
        keys = sorted({p for _, ind, _ in plans for i in ind if (m := self.metrics.by_key.get(i.metric_key))
                       for p in m.parts})
        measured = [w for _, ind, w in plans if ind and w.days]
        rows: dict[tuple[uuid.UUID, str], list[tuple[date, float, float]]] = defaultdict(list)
        if measured and keys:
            first, last = min(w.before_start for w in measured), max(w.after_end for w in measured)
            for person, key, day, num, den in await self.queries.daily(keys, sellers, first, last):
                rows[(person, key)].append((day, float(num), float(den or 0.0)))
        cumulative = {k: Cumulative(v) for k, v in rows.items()}
        since = min(g.opened_at for g, _, _ in plans)
        held: dict[uuid.UUID, list[datetime]] = defaultdict(list)
        for seller, at in await self.gaps.held_since(sellers, since):
            held[seller].append(at)
        return [self._one(g, ind, w, window_days, cumulative, held[g.seller_id]) for g, ind, w in plans]

    def _value(self, metric_key: str, seller: uuid.UUID, first: date, last: date,
               cumulative: dict[tuple[uuid.UUID, str], Cumulative]) -> float | None:
        metric = self.metrics.by_key.get(metric_key)
        if metric is None:
            return None
        parts = {k: cumulative.get((seller, k), EMPTY).sums(first, last) for k in metric.parts}
        return value_of(metric, parts).value

    def _one(self, g: CoachingGap, indicators: Sequence[Indicator], w: Windows, window_days: int,
             cumulative: dict[tuple[uuid.UUID, str], Cumulative], held: Sequence[datetime]) -> GapEvaluationOut:
        figures = []
        for i in indicators:
            before = after = None
            if w.days:
                before = self._value(i.metric_key, g.seller_id, w.before_start, w.before_end, cumulative)
                after = self._value(i.metric_key, g.seller_id, w.after_start, w.after_end, cumulative)
            change, relative, moved = movement(before, after, i.comparator)
            figures.append(GapIndicatorOut(metric_key=i.metric_key, kind=i.kind, comparator=i.comparator,
                                           before=before, after=after, change=change, relative_change=relative,
                                           movement=moved))
        judged = [f for f in figures if f.movement != "no_data"]
        closed_on = g.closed_at.astimezone(UTC).date() if g.closed_at is not None else None
        return GapEvaluationOut(
            gap_id=g.id, seller_id=g.seller_id, coach_id=g.coach_id, behavior_key=g.behavior_key,
            root_cause=g.root_cause, opened_at=g.opened_at, status=g.status, outcome=g.outcome,
            closed_at=g.closed_at, days_to_close=(closed_on - opened_on(g)).days if closed_on else None,
            window_days=window_days, days=w.days, before_start=w.before_start, after_start=w.after_start,
            after_end=w.after_end, indicators=figures,
            improved=any(f.movement == "right_way" for f in judged) if judged else None,
            sessions_since=sum(1 for at in held if at > g.opened_at))


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)
