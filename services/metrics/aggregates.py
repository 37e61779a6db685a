"""Daily aggregates: per tenant, person, metric and UTC day, a numerator and a denominator.

Every stored metric (all but ratios, see catalogue.py) keeps (num, den) per person and day: count → events,
sum → the field's total, average → (total, events with the field). Writers never recount: they tally the
change a batch makes in Python — a new row adds its contribution, a superseded row takes its old
contribution away and adds the new one, evidence attributed late adds its contribution, duplicates and
conflicts add nothing — and apply the tally with one bulk `INSERT … ON CONFLICT DO UPDATE SET num = num +
excluded.num, den = den + excluded.den`, in the same transaction as the evidence it comes from. Evidence
without a person counts nowhere until it is attributed.

A ratio is derived at query time from its two metrics' sums over the window, so a window's value is
Σnum / Σden of its parts — never an average of daily ratios.
"""

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Table

from services.metrics.catalogue import EvidenceSource, Family, Metric, Metrics
from services.metrics.models import Activity, CoachingFact, Completion

DailyKey = tuple[uuid.UUID, str, date]  # person, metric key, day


class Event(NamedTuple):
    """What a piece of evidence is to a metric: who, when, its type, attributes and numeric value."""

    person_id: uuid.UUID | None
    at: datetime
    type: str
    attributes: Mapping[str, Any]
    amount: float | None


def activity_event(row: Mapping[Any, Any]) -> Event:
    return Event(row["person_id"], row["occurred_at"], row["type"], row["attributes"], row["amount"])


def completion_event(row: Mapping[Any, Any]) -> Event:
    """A completion's type is its status; its one attribute is the course; its value is the score."""
    return Event(row["person_id"], row["completed_at"], row["status"], {"course_id": row["course_id"]},
                 row["score"])


def fact_event(row: Mapping[Any, Any]) -> Event:
    """A coaching fact (coaching_facts.py): already one person, one moment, one type."""
    return Event(row["person_id"], row["at"], row["type"], row["attributes"], row["amount"])


class Evidence(NamedTuple):
    """Where a source's evidence is stored and how a row of it reads as an event."""

    table: Table
    type_column: str
    time_column: str
    columns: tuple[str, ...]  # what `event` reads
    event: Callable[[Mapping[Any, Any]], Event]


EVIDENCE: dict[EvidenceSource, Evidence] = {
    "activities": Evidence(Activity.__table__, "type", "occurred_at",  # type: ignore[arg-type]
                           ("person_id", "occurred_at", "type", "attributes", "amount"), activity_event),
    "completions": Evidence(Completion.__table__, "status", "completed_at",  # type: ignore[arg-type]
                            ("person_id", "completed_at", "status", "course_id", "score"), completion_event),
    "coaching": Evidence(CoachingFact.__table__, "type", "at",  # type: ignore[arg-type]
                         ("person_id", "at", "type", "attributes", "amount"), fact_event),
}


def utc_day(at: datetime) -> date:
    return at.astimezone(UTC).date()


class Tally:
    """The change a write makes to metric_daily, keyed by (person, metric, day). A family's event counts for the
    member its attribute names (catalogue.Family)."""

    def __init__(self, metrics: Iterable[Metric], families: Iterable[Family] = ()) -> None:
        self.by_type: dict[str, list[Metric]] = {}
        for m in metrics:
            if m.stored:
                for t in m.types:
                    self.by_type.setdefault(t, []).append(m)
        self.families_by_type: dict[str, list[Family]] = {}
        for f in families:
            for t in f.template.types:
                self.families_by_type.setdefault(t, []).append(f)
        self.cells: dict[DailyKey, list[float]] = {}

    @classmethod
    def of(cls, metrics: Metrics, source: EvidenceSource) -> "Tally":
        return cls(metrics.stored(source), metrics.families(source))

    def add(self, person_id: uuid.UUID | None, at: datetime, type_: str, attributes: Mapping[str, Any],
            amount: float | None, sign: float = 1.0) -> None:
        if person_id is None:
            return
        metrics = self.by_type.get(type_)
        families = self.families_by_type.get(type_) if self.families_by_type else None
        if not metrics and not families:
            return
        day = utc_day(at)
        for m in metrics or ():
            c = m.contribution(type_, attributes, amount)
            if c is None:
                continue
            key = (person_id, m.key, day)
            cell = self.cells.get(key)  # inline: ingest's hot path
            if cell is None:
                self.cells[key] = [sign * c[0], sign * c[1]]
            else:
                cell[0] += sign * c[0]
                cell[1] += sign * c[1]
        for f in families or ():
            member = f.member_key(attributes.get(f.attribute))
            c = f.template.contribution(type_, attributes, amount) if member is not None else None
            if member is not None and c is not None:
                self._add((person_id, member, day), c, sign)

    def _add(self, key: DailyKey, c: tuple[float, float], sign: float) -> None:
        cell = self.cells.get(key)
        if cell is None:
            self.cells[key] = [sign * c[0], sign * c[1]]
        else:
            cell[0] += sign * c[0]
            cell[1] += sign * c[1]

    def event(self, e: Event, sign: float = 1.0) -> None:
        self.add(*e, sign)

    def rows(self) -> list[tuple[uuid.UUID, str, date, float, float]]:
        """The non-zero changes in key order (a fixed order of row locks, so concurrent writers never deadlock)."""
        rows = [(p, k, d, num, den) for (p, k, d), (num, den) in self.cells.items() if num or den]
        rows.sort(key=lambda r: (r[0].bytes, r[1], r[2]))  # bytes compare in C; UUID.__lt__ is Python
        return rows
