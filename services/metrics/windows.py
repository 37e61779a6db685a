"""A metric's value over a window of days, for one person or pooled over several, from metric_daily.

One statement reading the primary key's range (tenant, person, metric, day) per person and metric, shaped so
that the plan cannot be anything else (daily_ranges.py): a query costs the days its window holds for the people
asked, never the tenant's history, whether or not the database has statistics. Values:
- count / sum: Σnum over the window;
- average: Σnum / Σden (null without any event that has the field);
- ratio: Σnum of the numerator metric / Σnum of the denominator metric (null when the latter is 0, or below
  1e-9: the rounding residue a sum of fractions such as 1/7 can leave).
Pooled over people (a team), the parts are summed first and divided once — a team's win rate is all its
wins over all its closed deals, not an average of people's rates.
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.metrics.catalogue import Metric
from services.metrics.daily_ranges import range_sums

RESIDUE = 1e-9  # a ratio's denominator below this is none (see cadence_facts.py)
Part = tuple[float, float]  # Σnum, Σden of one stored metric
Sums = dict[tuple[uuid.UUID, str], Part]


@dataclass(frozen=True)
class Value:
    num: float
    den: float
    value: float | None


async def window_sums(s: AsyncSession, tenant_id: uuid.UUID, person_ids: Sequence[uuid.UUID],
                      keys: Iterable[str], start: date, end: date) -> Sums:
    """Σnum and Σden per (person, stored metric) over [start, end]; absent pairs had nothing."""
    wanted = sorted(set(keys))
    out: Sums = {}
    if not wanted or not person_ids or end < start:
        return out
    for person, key, num, den in await range_sums(s, tenant_id, sorted(set(person_ids)), wanted, start, end):
        out[(person, key)] = (float(num or 0.0), float(den or 0.0))
    return out


def value_of(metric: Metric, parts: Mapping[str, Part]) -> Value:
    """The metric from its stored parts' sums."""
    if metric.aggregation == "ratio":
        assert metric.numerator is not None and metric.denominator is not None
        num = parts.get(metric.numerator, (0.0, 0.0))[0]
        den = parts.get(metric.denominator, (0.0, 0.0))[0]
        # a sum of fractions (cadence kept's expected sessions) may leave a rounding residue where it is 0
        return Value(num, den, num / den if abs(den) > RESIDUE else None)
    num, den = parts.get(metric.key, (0.0, 0.0))
    if metric.aggregation == "average":
        return Value(num, den, num / den if den else None)
    return Value(num, den, num)


def person_value(metric: Metric, sums: Sums, person_id: uuid.UUID) -> Value:
    return value_of(metric, {k: sums.get((person_id, k), (0.0, 0.0)) for k in metric.parts})


def pooled_value(metric: Metric, sums: Sums, person_ids: Iterable[uuid.UUID]) -> Value:
    parts: dict[str, list[float]] = {k: [0.0, 0.0] for k in metric.parts}
    for person in person_ids:
        for k in metric.parts:
            num, den = sums.get((person, k), (0.0, 0.0))
            parts[k][0] += num
            parts[k][1] += den
    return value_of(metric, {k: (v[0], v[1]) for k, v in parts.items()})
