"""The reporting tree as it was on a given day, from the read model's effective-dated lines.

A line is in force on day d when valid_from <= d and (valid_to is null or d < valid_to). A manager's team on
a day is everyone below them (directly or not) through lines in force that day — the manager not included.
Deleted lines and people do not count.

`Org` walks lines already loaded (the repository's `subtree_lines`: one recursive query over the manager's
subtree across a window), then the tree of each day in memory — days between the same line changes share it.
"""

import uuid
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Line:
    person_id: uuid.UUID
    manager_id: uuid.UUID
    valid_from: date
    valid_to: date | None

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


class Org:
    def __init__(self, lines: Iterable[Line]) -> None:
        self.lines = list(lines)
        changes = {ln.valid_from for ln in self.lines} | {ln.valid_to for ln in self.lines if ln.valid_to}
        self.changes = sorted(changes)
        self._teams: dict[tuple[uuid.UUID, int], frozenset[uuid.UUID]] = {}

    def team(self, manager_id: uuid.UUID, day: date) -> frozenset[uuid.UUID]:
        """Everyone under `manager_id` on `day` (cycles in bad data end the walk, they do not loop it)."""
        state = bisect_right(self.changes, day)  # days with the same state have the same lines in force
        cached = self._teams.get((manager_id, state))
        if cached is not None:
            return cached
        reports: dict[uuid.UUID, list[uuid.UUID]] = {}
        for ln in self.lines:
            if ln.in_force(day):
                reports.setdefault(ln.manager_id, []).append(ln.person_id)
        seen: set[uuid.UUID] = set()
        frontier = [manager_id]
        while frontier:
            nxt = []
            for m in frontier:
                for p in reports.get(m, ()):
                    if p not in seen and p != manager_id:
                        seen.add(p)
                        nxt.append(p)
            frontier = nxt
        team = frozenset(seen)
        self._teams[(manager_id, state)] = team
        return team
