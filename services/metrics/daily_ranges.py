"""Reading metric_daily by primary-key ranges, whatever the planner knows.

Every read of metric_daily over a window asks for some people, some stored metrics and a range of days. Written
as `person_id IN (…) AND metric_key IN (…) AND day BETWEEN …`, the plan is PostgreSQL's guess: on a table it
never analysed (autovacuum off), for one person it scanned the key range (tenant, person) and filtered
metric_key — every row of that person's history, all metrics — and for a team every aggregate row of the tenant
(issue 13: 12,469 buffers instead of 430). The cost of a scorecard then grew with history.

On PostgreSQL the statement here is shaped so that no plan can do that: the (person, metric) pairs are an
`unnest` of two arrays, and for each pair a LATERAL subquery reads `tenant_id = … AND person_id = pair.person AND
metric_key = pair.metric AND day BETWEEN …` — equality on the key's three leading columns and a range on the
fourth, a parameterised scan of exactly the window's rows. The subquery is fenced (an aggregate, or OFFSET 0)
so that the planner cannot flatten it into a plain join, which it did, and then hash-joined the pairs with a
sequential scan of the whole table. The only other plan for the fenced subquery, a sequential scan per pair,
the planner costs by the table's actual size (which it reads from the file even without statistics), so it is
never taken on a table worth indexing. A generic plan of the prepared statement has the same shape.
SQLite searches the primary key's index with the IN lists as they are (EXPLAIN QUERY PLAN: `SEARCH metric_daily
USING INDEX sqlite_autoindex_metric_daily_1 (tenant_id=? AND person_id=? AND metric_key=? AND day>? AND day<?)`,
for one person or many); it keeps the plain statement.

The pairs of a call are at most `MAX_PAIRS` per statement; a caller's chunk of people is split accordingly.
"""

import uuid
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Date, Float, String, Uuid, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from services.metrics.models import MetricDaily

MAX_PAIRS = 20_000
PEOPLE_PER_SQLITE_STATEMENT = 500  # SQLite binds at most 32,766 parameters

_PAIRS = "unnest(CAST(:people AS uuid[]), CAST(:keys AS text[])) AS k(person_id, metric_key)"
_KEY_RANGE = """metric_daily AS d
        WHERE d.tenant_id = :tenant_id AND d.person_id = k.person_id AND d.metric_key = k.metric_key
          AND d.day >= :first AND d.day <= :last"""

# The aggregate inside the LATERAL subquery keeps the planner from pulling it up into a plain join (which it may
# then run as a hash join over a sequential scan of the table); `n > 0` drops the pairs without any row.
SUMS_PG = text(f"""
    SELECT k.person_id, k.metric_key, r.num, r.den
    FROM {_PAIRS}
    CROSS JOIN LATERAL (SELECT count(*) AS n, sum(d.num) AS num, sum(d.den) AS den FROM {_KEY_RANGE}) AS r
    WHERE r.n > 0""").columns(person_id=Uuid, metric_key=String, num=Float, den=Float)

# OFFSET 0 does the same for the rows: a subquery with OFFSET is never pulled up.
ROWS_PG = text(f"""
    SELECT k.person_id, k.metric_key, r.day, r.num, r.den
    FROM {_PAIRS}
    CROSS JOIN LATERAL (SELECT d.day, d.num, d.den FROM {_KEY_RANGE} OFFSET 0) AS r""").columns(
    person_id=Uuid, metric_key=String, day=Date, num=Float, den=Float)


def _is_postgresql(s: AsyncSession) -> bool:
    return s.get_bind().dialect.name == "postgresql"


def pg_params(tenant_id: uuid.UUID, people: Sequence[uuid.UUID], keys: Sequence[str], first: date,
              last: date) -> dict[str, Any]:
    """The binds of SUMS_PG / ROWS_PG: every (person, metric) pair, people outer."""
    return {"tenant_id": tenant_id, "people": [p for p in people for _ in keys],
            "keys": [k for _ in people for k in keys], "first": first, "last": last}


def _people_chunks(people: Sequence[uuid.UUID], keys: Sequence[str], size: int) -> Iterator[Sequence[uuid.UUID]]:
    step = max(1, min(size, MAX_PAIRS // max(1, len(keys))))
    for i in range(0, len(people), step):
        yield people[i:i + step]


def _sqlite_sums(tenant_id: uuid.UUID, people: Sequence[uuid.UUID], keys: Sequence[str], first: date,
                 last: date) -> Select[uuid.UUID, str, float, float]:
    d = MetricDaily
    return (select(d.person_id, d.metric_key, func.sum(d.num), func.sum(d.den))
            .where(d.tenant_id == tenant_id, d.person_id.in_(people), d.metric_key.in_(keys), d.day >= first,
                   d.day <= last)
            .group_by(d.person_id, d.metric_key))


def _sqlite_rows(tenant_id: uuid.UUID, people: Sequence[uuid.UUID], keys: Sequence[str], first: date,
                 last: date) -> Select[uuid.UUID, str, date, float, float]:
    d = MetricDaily
    return select(d.person_id, d.metric_key, d.day, d.num, d.den).where(
        d.tenant_id == tenant_id, d.person_id.in_(people), d.metric_key.in_(keys), d.day >= first, d.day <= last)


async def range_sums(s: AsyncSession, tenant_id: uuid.UUID, people: Sequence[uuid.UUID], keys: Sequence[str],
                     first: date, last: date) -> list[tuple[uuid.UUID, str, float | None, float | None]]:
    """Σnum, Σden per (person, metric) with any row in [first, last]."""
    out: list[tuple[uuid.UUID, str, float | None, float | None]] = []
    pg = _is_postgresql(s)
    for chunk in _people_chunks(people, keys, len(people) if pg else PEOPLE_PER_SQLITE_STATEMENT):
        if pg:
            result = await s.execute(SUMS_PG, pg_params(tenant_id, chunk, keys, first, last))
        else:
            result = await s.execute(_sqlite_sums(tenant_id, chunk, keys, first, last))
        out.extend((person, key, num, den) for person, key, num, den in result.all())
    return out


async def range_rows(s: AsyncSession, tenant_id: uuid.UUID, people: Sequence[uuid.UUID], keys: Sequence[str],
                     first: date, last: date) -> list[tuple[uuid.UUID, str, date, float, float]]:
    """The rows of metric_daily per (person, metric) in [first, last]."""
    out: list[tuple[uuid.UUID, str, date, float, float]] = []
    pg = _is_postgresql(s)
    for chunk in _people_chunks(people, keys, len(people) if pg else PEOPLE_PER_SQLITE_STATEMENT):
        if pg:
            result = await s.execute(ROWS_PG, pg_params(tenant_id, chunk, keys, first, last))
        else:
            result = await s.execute(_sqlite_rows(tenant_id, chunk, keys, first, last))
        out.extend((person, key, day, num, den) for person, key, day, num, den in result.all())
    return out
