"""Brute force: the daily figures recomputed from raw items, independently of the service's own code.

`Evidence` keeps the last accepted version of every pushed item (the test decides which versions the
service should have accepted: newer `source_updated_at` wins) and the directory the service was told about;
`daily()` recounts every built-in stored metric per (person, metric, UTC day) from scratch.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

Item = dict[str, Any]
Cell = tuple[str, str, date]  # person id, metric key, day

# Built-in metrics, written out again here on purpose: (matches, value) per metric; value None = count.
ACTIVITY_METRICS: dict[str, tuple[Callable[[Item], bool], str | None]] = {
    "calls": (lambda a: a["type"] == "call", None),
    "emails": (lambda a: a["type"] == "email", None),
    "meetings": (lambda a: a["type"] == "meeting", None),
    "c_level_meetings": (lambda a: a["type"] == "meeting"
                         and a.get("attributes", {}).get("contact_level") == "c_level", None),
    "demos": (lambda a: a["type"] == "demo", None),
    "proposals": (lambda a: a["type"] == "proposal", None),
    "visits": (lambda a: a["type"] == "visit", None),
    "opportunities_created": (lambda a: a["type"] == "opportunity_created", None),
    "wins": (lambda a: a["type"] == "opportunity_won", None),
    "losses": (lambda a: a["type"] == "opportunity_lost", None),
    "closed_opportunities": (lambda a: a["type"] in ("opportunity_won", "opportunity_lost"), None),
    "won_amount": (lambda a: a["type"] == "opportunity_won" and a.get("amount") is not None, "sum"),
    "avg_deal_size": (lambda a: a["type"] == "opportunity_won" and a.get("amount") is not None, "average"),
}
RATIOS = {"win_rate": ("wins", "closed_opportunities"), "proposal_to_win": ("wins", "proposals")}


@dataclass
class Evidence:
    activities: dict[tuple[str, str], Item] = field(default_factory=dict)
    completions: dict[tuple[str, str], Item] = field(default_factory=dict)
    by_user: dict[tuple[str, str], str] = field(default_factory=dict)
    by_email: dict[str, str] = field(default_factory=dict)

    def accept(self, items: list[Item], *, completions: bool = False) -> None:
        """Record items the way the service should have judged them (same batch order, newer stamp wins)."""
        store = self.completions if completions else self.activities
        for item in items:
            key = (item["lms" if completions else "source"], item["external_id"])
            old = store.get(key)
            if old is None or (item.get("source_updated_at") is not None
                               and (old.get("source_updated_at") is None
                                    or item["source_updated_at"] > old["source_updated_at"])):
                store[key] = item

    def learn(self, person_id: str, external_ids: dict[str, str], email: str | None = None) -> None:
        for source, ext in external_ids.items():
            self.by_user[(source, ext)] = person_id
        if email:
            self.by_email[email.lower()] = person_id

    def person(self, item: Item, source: str) -> str | None:
        if item.get("person_id"):
            return str(item["person_id"])
        if item.get("user_id"):
            return self.by_user.get((source, item["user_id"]))
        if item.get("email"):
            return self.by_email.get(item["email"].lower())
        return None

    def daily(self, extra: dict[str, tuple[Callable[[Item], bool], str | None]] | None = None
              ) -> dict[Cell, tuple[float, float]]:
        """(num, den) per cell for every stored built-in metric (and `extra` activity metrics)."""
        metrics = {**ACTIVITY_METRICS, **(extra or {})}
        out: dict[Cell, list[float]] = {}

        def add(cell: Cell, num: float, den: float) -> None:
            acc = out.setdefault(cell, [0.0, 0.0])
            acc[0] += num
            acc[1] += den

        for (source, _), a in self.activities.items():
            who = self.person(a, source)
            if who is None:
                continue
            day = utc_day(a["occurred_at"])
            for key, (matches, how) in metrics.items():
                if matches(a):
                    if how is None:
                        add((who, key, day), 1.0, 0.0)
                    else:
                        add((who, key, day), float(a["amount"]), 1.0 if how == "average" else 0.0)
        for (source, _), c in self.completions.items():
            who = self.person(c, source)
            if who is not None and c["status"] in ("completed", "passed"):
                add((who, "training_completions", utc_day(c["completed_at"])), 1.0, 0.0)
        return {cell: (num, den) for cell, (num, den) in out.items() if num or den}


def utc_day(timestamp: str) -> date:
    moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return date(*moment.utctimetuple()[:3])


# ---- series -----------------------------------------------------------------------------------

AVERAGES = {"avg_deal_size"}


def periods(grain: str, first: date, last: date) -> list[tuple[date, date]]:
    """(first day, last day) of each period touching [first, last], found by walking the calendar day by day."""
    def key(d: date) -> object:
        return d if grain == "day" else d.isocalendar()[:2] if grain == "week" else (d.year, d.month)

    start, end = first, last
    while key(start - timedelta(days=1)) == key(first):
        start -= timedelta(days=1)
    while key(end + timedelta(days=1)) == key(last):
        end += timedelta(days=1)
    out: list[tuple[date, date]] = []
    day = start
    while day <= end:
        if out and key(day) == key(out[-1][0]):
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
        day += timedelta(days=1)
    return out


def figure(daily: dict[Cell, tuple[float, float]], metric: str, members: set[str], first: date,
           last: date, ratios: dict[str, tuple[str, str]] | None = None,
           averages: set[str] | None = None) -> tuple[float | None, float, float | None]:
    """(value, numerator, denominator) of a metric for these people over [first, last]: a ratio (built-in or in
    `ratios`), an average (built-in or in `averages`), or else a count or sum."""
    ratios, averages = {**RATIOS, **(ratios or {})}, AVERAGES | (averages or set())
    index = _index(daily)

    def total(key: str, which: int) -> float:
        return sum(v[which] for p in members for d, v in index.get((p, key), ()) if first <= d <= last)

    if metric in ratios:
        num, den = total(ratios[metric][0], 0), total(ratios[metric][1], 0)
        return (num / den if den else None), num, den
    if metric in averages:
        num, den = total(metric, 0), total(metric, 1)
        return (num / den if den else None), num, den
    num = total(metric, 0)
    return num, num, None


def team_on(lines: list[Item], manager: str, day: date) -> set[str]:
    """Everyone under `manager` on `day` through the lines in force then (valid_from <= day < valid_to)."""
    def in_force(line: Item) -> bool:
        start, end = date.fromisoformat(line["valid_from"]), line.get("valid_to")
        return start <= day and (end is None or day < date.fromisoformat(end))

    below: set[str] = set()
    for line in lines:
        if in_force(line) and line["manager_id"] == manager and line["person_id"] not in below:
            below.add(line["person_id"])
            below |= team_on(lines, line["person_id"], day)
    below.discard(manager)
    return below


Index = dict[tuple[str, str], list[tuple[date, tuple[float, float]]]]
_indexes: dict[int, tuple[dict[Cell, tuple[float, float]], Index]] = {}


def _index(daily: dict[Cell, tuple[float, float]]) -> Index:
    """The cells by (person, metric), built once per daily dict (only a speed-up of `figure`'s sums)."""
    cached = _indexes.get(id(daily))
    if cached is not None and cached[0] is daily:
        return cached[1]
    index: Index = {}
    for (p, k, d), v in daily.items():
        index.setdefault((p, k), []).append((d, v))
    _indexes.clear()
    _indexes[id(daily)] = (daily, index)
    return index
