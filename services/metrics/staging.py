"""PostgreSQL: a batch's new evidence rows staged in a temporary table, and the daily change they make counted
there in SQL (ingest's hot path, `ingest.py`).

The rows are COPYed once into `staged_<table>_<shape>` (a temporary table shaped like the evidence table, emptied at
commit), inserted from there into the evidence table with one `INSERT … SELECT`, and read again by
`DailyRepository.merge`, which adds their contributions to metric_daily in the same statement as the Python
tally of everything else. So the batch's rows are encoded once, and the per-row tally of the usual metrics
costs no Python.

`counted` states a metric's rule (catalogue.py, `Metric.contribution`) in SQL only where SQL gives exactly
what Python gives: its event types; attribute filters whose values are strings or booleans (JSON equality, an
attribute that is a list matching when one of its elements does: `attr = v OR attr @> [v]`; for completions
the one attribute, `course_id`); the row's own `amount` (a completion's `score`) as its numeric field. A metric
filtering on numbers, or summing an attribute, and every family member, is tallied in Python as before
(`python_counted`); so are superseded rows. The day is the UTC day of the event's time, as `aggregates.utc_day`.
"""

import json
import zlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Select,
    String,
    Table,
    TableClause,
    cast,
    column,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from services.metrics.aggregates import EVIDENCE
from services.metrics.catalogue import EvidenceSource, Metric, Scalar

NUMERIC_FIELD: dict[EvidenceSource, str] = {"activities": "amount", "completions": "score"}
ONE = literal_column("1.0::float8", Float)
ZERO = literal_column("0.0::float8", Float)


def staged(evidence: Table) -> TableClause:
    """The temporary table the batch's new rows of `evidence` go through (same columns). Its name carries a
    checksum of the columns, so a connection that made it before a migration changed them makes a new one."""
    shape = zlib.crc32(";".join(f"{c.name} {c.type!r}" for c in evidence.columns).encode())
    return table(f"staged_{evidence.name}_{shape:08x}", *(column(c.name, c.type) for c in evidence.columns))


async def stage(s: AsyncSession, evidence: Table, records: Sequence[tuple[Any, ...]]) -> TableClause:
    """COPY the records (all columns of `evidence`, in order, JSON as text) into the staging table, then into
    `evidence` itself, in the request's transaction. The staging table lives as long as the connection (created
    when missing, its rows deleted at every commit; emptied first, as one transaction may ingest twice); a unique
    violation of the evidence table is raised as the driver's error (SQLSTATE 23505), as a direct COPY's was."""
    target = staged(evidence)
    columns = [c.name for c in evidence.columns]
    names = ", ".join(f'"{c}"' for c in columns)
    connection = await s.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    await driver.execute(f'CREATE TEMPORARY TABLE IF NOT EXISTS "{target.name}" (LIKE "{evidence.name}") '
                         f'ON COMMIT DELETE ROWS; DELETE FROM "{target.name}"')
    await driver.copy_records_to_table(target.name, records=records, columns=columns)
    await driver.execute(f'INSERT INTO "{evidence.name}" ({names}) SELECT {names} FROM "{target.name}"')
    return target


def sql_countable(source: EvidenceSource, m: Metric) -> bool:
    """Whether `counted` states this metric's rule exactly (else Python tallies it)."""
    if m.field is not None and m.field.startswith("attributes."):
        return False
    if source not in NUMERIC_FIELD:
        return False
    return all(isinstance(v, str | bool) for _, values in m.filters for v in values)


def counted(rows: TableClause, source: EvidenceSource, metrics: Sequence[Metric]) -> list[Select[Any]]:
    """Per metric (each `sql_countable`), what the staged rows add: (person_id, metric_key, day, num, den)
    for every attributed row the metric counts, one SELECT each; a metric no row can match gives none."""
    evidence = EVIDENCE[source]
    c = rows.c
    day = cast(func.timezone("UTC", c[evidence.time_column]), Date)
    value = c[NUMERIC_FIELD[source]]
    out: list[Select[Any]] = []
    for m in metrics:
        where: list[ColumnElement[bool]] = [c.person_id.is_not(None), c[evidence.type_column].in_(m.types)]
        for name, values in m.filters:
            where.append(_filter(source, rows, name, values))
        num: ColumnElement[Any] = ONE
        den: ColumnElement[Any] = ZERO
        if m.aggregation != "count":
            where.append(value.is_not(None))
            num, den = value, ONE if m.aggregation == "average" else ZERO
        out.append(select(c.person_id.label("person_id"), cast(literal(m.key), String).label("metric_key"),
                          day.label("day"), num.label("num"), den.label("den")).where(*where))
    return out


def _filter(source: EvidenceSource, rows: TableClause, name: str, values: tuple[Scalar, ...]) -> ColumnElement[bool]:
    """An attribute filter (values strings or booleans), as `catalogue._matches` decides it."""
    if source == "completions":  # the one attribute: course_id, a string
        strings = [v for v in values if isinstance(v, str)]
        return rows.c.course_id.in_(strings) if name == "course_id" and strings else false()
    attribute = rows.c.attributes.op("->")(literal(name))
    alternatives: list[ColumnElement[bool]] = []
    for v in values:
        alternatives.append(attribute == cast(literal(json.dumps(v)), JSONB))
        alternatives.append(attribute.op("@>")(cast(literal(json.dumps([v])), JSONB)))
    return or_(*alternatives)
