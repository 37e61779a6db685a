"""PostgreSQL: the daily change a batch's new evidence rows make, counted by the database (ingest's hot path,
`ingest.py`).

Ingest COPYs the new rows into the evidence table; `new_rows` reads them back once in the same transaction (a CTE:
one `id = ANY(array)` index probe per row), `counted` turns each stored metric whose rule SQL states exactly into
a SELECT of (person, metric, day, num, den) over them, and `DailyRepository.merge` adds those and the Python tally
of everything else in one `INSERT … SELECT … GROUP BY … ON CONFLICT`. So the per-row tally of the usual metrics
costs no Python.

SQL states a metric's rule (catalogue.py, `Metric.contribution`) only where it gives exactly what Python gives:
its event types; attribute filters whose values are strings or booleans (JSON equality, an attribute that is a
list matching when one of its elements does: `attr = v OR attr @> [v]`; for completions the one attribute,
`course_id`); the row's own `amount` (a completion's `score`) as its numeric field. A metric filtering on
numbers or summing an attribute, and every family member, is tallied in Python as before; so are superseded
rows. The day is the UTC day of the event's time, as `aggregates.utc_day`.
"""

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Date,
    Float,
    Select,
    String,
    Uuid,
    any_,
    bindparam,
    cast,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from services.metrics.aggregates import EVIDENCE
from services.metrics.catalogue import EvidenceSource, Metric, Scalar

NUMERIC_FIELD: dict[EvidenceSource, str] = {"activities": "amount", "completions": "score"}
ATTRIBUTES: dict[EvidenceSource, str] = {"activities": "attributes", "completions": "course_id"}
ONE = literal_column("1.0::float8", Float)
ZERO = literal_column("0.0::float8", Float)


def sql_countable(source: EvidenceSource, m: Metric) -> bool:
    """Whether `counted` states this metric's rule exactly (else Python tallies it)."""
    if m.field is not None and m.field.startswith("attributes."):
        return False
    if source not in NUMERIC_FIELD:
        return False
    return all(isinstance(v, str | bool) for _, values in m.filters for v in values)


def new_rows(source: EvidenceSource, tenant_id: uuid.UUID, ids: Sequence[Any]) -> CTE:
    """The columns `counted` reads of the tenant's `source` rows with these ids (the batch's new rows)."""
    evidence = EVIDENCE[source]
    c = evidence.table.c
    names = ("person_id", evidence.type_column, evidence.time_column, NUMERIC_FIELD[source], ATTRIBUTES[source])
    return (select(*(c[name] for name in names))
            .where(c.tenant_id == tenant_id, c.id == any_(bindparam("new_ids", list(ids), type_=ARRAY(Uuid))))
            .cte("new_rows"))


def counted(rows: CTE, source: EvidenceSource, metrics: Sequence[Metric]) -> list[Select[Any]]:
    """Per metric (each `sql_countable`), what the rows add: (person_id, metric_key, day, num, den) for every
    attributed row the metric counts, one SELECT each."""
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


def _filter(source: EvidenceSource, rows: CTE, name: str, values: tuple[Scalar, ...]) -> ColumnElement[bool]:
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
