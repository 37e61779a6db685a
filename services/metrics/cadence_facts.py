"""Cadence kept: programme sessions held ÷ expected, per coach and UTC day, as coaching facts.

A pair of a programme (programme_participants: the seller `person_id`, coached by `coach_id`) is in its
programme on the days d with
    max(joined_on, programme.starts_on) <= d <= min(left_on - 1, programme.ends_on)
(either end open when null) — the rule of the coaching service (relationships/cadence.py) and of the queue,
kept identical here. Two facts, credited to the pair's coach:
- `session_expected`: one per pair and day it is in the programme, up to today (never ahead), amount
  1 / cadence_days (a weekly programme expects one session per 7 days); at 00:00 UTC of the day. Attributes:
  pair_id, programme_id, behavior_keys (the programme's), cadence_days. Entity: the pair.
- `programme_session_held`: a completed session with a programme_id, held (UTC day of held_at) on a day a pair
  of that programme with the same coach and seller is in it (the programme not deleted). Attributes: those of
  the session's facts and pair_id. Entity: the session (it is one of the session's facts).
`coaching_programme_sessions_held` counts the latter, `coaching_sessions_expected` sums the former's amounts,
and `coaching_cadence_kept` is their ratio over a window (catalogue.py).

Kept exact and corrected on every later event, in the transaction that writes the read model:
- a session written: its facts (coaching_facts.refresh) include the held-in-programme fact, judged against the
  pairs and programme as stored;
- a pair written (joined, left, removed): its expected facts become those of its row as stored — only the
  days that differ are deleted or inserted — and its sessions' facts are refreshed;
- a programme written (cadence, period, deletion): the same for every pair and session of it;
- days passing: the daily job (cadence_accrual.py) adds, for every pair, the days after the tenant's accrual
  day up to today (`ON CONFLICT DO NOTHING`: a day a refresh already wrote is not counted twice) and moves
  the accrual day. A refresh accrues through max(today, accrual day), so every pair is always accrued through
  the accrual day at least. A tenant's first run (no accrual day) accrues every pair from its first day and
  refreshes every programme session: the backfill of what was stored before met0012.
All of these take the tenant's cadence lock (CadenceRepository.lock) before writing a row, so each reads the
others' committed rows. The expected amounts are floats (1/7 has no exact binary form): sums carry rounding
residues of ~1e-16, so recounts compare at 9 decimals and a ratio's denominator below 1e-9 counts as none.
"""

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from services.metrics import coaching_facts
from services.metrics.aggregates import Tally, utc_day
from services.metrics.cadence_repository import CadenceRepository
from services.metrics.catalogue import Metrics
from services.metrics.coaching_facts import Fact, fact, session_attributes
from services.metrics.models import CoachingSession
from services.metrics.repository import DailyRepository, EvidenceRepository

EXPECTED = "session_expected"
HELD = "programme_session_held"
Row = Mapping[str, Any]


def membership(pair: Row, programme: Row) -> tuple[date, date | None]:
    """The pair's first and last day in its programme (last open when null)."""
    lasts = [d for d in (pair["left_on"] - timedelta(days=1) if pair["left_on"] else None, programme["ends_on"])
             if d is not None]
    return max(pair["joined_on"], programme["starts_on"]), min(lasts) if lasts else None


def counts(pair: Row, programme: Row | None) -> bool:
    return (programme is not None and not programme["deleted"] and not pair["deleted"]
            and pair["coach_id"] is not None)


def in_programme(pair: Row, programme: Row, day: date) -> bool:
    first, last = membership(pair, programme)
    return first <= day and (last is None or day <= last)


def expected_facts(pair: Row, programme: Row | None, after: date | None, through: date) -> list[Fact]:
    """The pair's expected sessions on its days in the programme within (after, through]."""
    if programme is None or not counts(pair, programme):
        return []
    first, last = membership(pair, programme)
    if after is not None:
        first = max(first, after + timedelta(days=1))
    end = through if last is None else min(last, through)
    cadence = programme["cadence_days"]
    attributes = {"pair_id": str(pair["id"]), "programme_id": str(programme["id"]),
                  "behavior_keys": list(programme["behavior_keys"]), "cadence_days": cadence}
    return [fact(pair["id"], pair["coach_id"], EXPECTED, datetime.combine(first + timedelta(days=i), time(), UTC),
                 attributes, 1.0 / cadence, part=(first + timedelta(days=i)).isoformat())
            for i in range((end - first).days + 1)]


def held_fact(session: Row, pairs: Sequence[Row], programme: Row | None) -> Fact | None:
    """The session's held-in-programme fact, if it is one (see above); `pairs` those of its programme."""
    if (session["deleted"] or session["status"] != "completed" or session["held_at"] is None
            or session["programme_id"] is None or programme is None):
        return None
    held = utc_day(session["held_at"])
    for pair in pairs:
        if (pair["person_id"] == session["seller_id"] and pair["coach_id"] == session["coach_id"]
                and counts(pair, programme) and in_programme(pair, programme, held)):
            return fact(session["id"], session["coach_id"], HELD, session["held_at"],
                        {**session_attributes(session), "pair_id": str(pair["id"])})
    return None


class CadenceFacts:
    """Keeps the two facts above, and the daily aggregates with them, for one tenant in one transaction."""

    def __init__(self, evidence: EvidenceRepository, cadence: CadenceRepository, daily: DailyRepository,
                 metrics: Metrics, today: date) -> None:
        self.evidence = evidence
        self.cadence = cadence
        self.daily = daily
        self.metrics = metrics
        self.today = today

    async def held_facts(self, sessions: list[dict[str, Any]]) -> list[Fact]:
        """The held-in-programme facts of these session rows (coaching_facts.refresh's `more`)."""
        programme_ids = {s["programme_id"] for s in sessions if s["programme_id"] is not None
                         and s["status"] == "completed" and not s["deleted"]}
        if not programme_ids:
            return []
        programmes = await self.cadence.programmes(list(programme_ids))
        by_programme: dict[uuid.UUID, list[Row]] = {}
        for pair in await self.cadence.pairs(programme_ids=list(programme_ids)):
            by_programme.setdefault(pair["programme_id"], []).append(pair)
        found = (held_fact(s, by_programme.get(s["programme_id"], []), programmes.get(s["programme_id"]))
                 for s in sessions)
        return [f for f in found if f is not None]

    async def refresh_sessions(self, ids: Sequence[uuid.UUID]) -> None:
        if ids:
            await coaching_facts.refresh(self.evidence, self.daily, self.metrics,
                                         CoachingSession.__table__, ids, more=self.held_facts)  # type: ignore[arg-type]

    async def refresh_pairs(self, ids: Sequence[uuid.UUID], *, sessions: bool = True) -> None:
        """Make these pairs' expected facts those of their rows as stored (through max(today, accrual day)),
        then their sessions' facts."""
        if not ids:
            return
        await self.evidence.lock(exclusive=False)  # a metric defined meanwhile backfills under the exclusive lock
        accrued = await self.cadence.accrued_through()
        through = max(self.today, accrued) if accrued is not None else self.today
        pairs = await self.cadence.pairs(ids=ids)
        programmes = await self.cadence.programmes([p["programme_id"] for p in pairs])
        want = {f["id"]: f for p in pairs for f in expected_facts(p, programmes.get(p["programme_id"]), None,
                                                                   through)}
        have = {f["id"]: f for f in await self.cadence.facts(list(ids), EXPECTED)}
        gone = [f for i, f in have.items() if i not in want or not _same(f, want[i])]
        new = [f for i, f in want.items() if i not in have or not _same(have[i], f)]
        await self.cadence.delete_facts([f["id"] for f in gone])
        await self.evidence.insert_facts(new)
        await self._apply(new, gone)
        if sessions:
            live = [p for p in pairs if p["programme_id"] is not None]
            await self.refresh_sessions(await self.cadence.session_ids(
                [p["programme_id"] for p in live], [p["person_id"] for p in live]))

    async def refresh_programmes(self, ids: Sequence[uuid.UUID]) -> None:
        pairs = await self.cadence.pairs(programme_ids=ids)
        await self.refresh_pairs([p["id"] for p in pairs], sessions=False)
        await self.refresh_sessions(await self.cadence.session_ids(ids))

    async def accrue(self) -> int:
        """The daily job's step for this tenant (see above): expected facts added; the accrual day moves to
        today."""
        await self.evidence.lock(exclusive=False)
        after = await self.cadence.accrued_through()
        if after is not None and after >= self.today:
            return 0
        pairs = await self.cadence.live_pairs(after, self.today)
        programmes = await self.cadence.programmes([p["programme_id"] for p in pairs])
        facts = [f for p in pairs for f in expected_facts(p, programmes.get(p["programme_id"]), after, self.today)]
        inserted = await self.cadence.insert_missing_facts(facts)
        added = [f for f in facts if f["id"] in inserted]
        await self._apply(added, [])
        if after is None:
            await self.refresh_sessions(await self.cadence.programme_session_ids())
        await self.cadence.set_accrued_through(self.today)
        return len(added)

    async def _apply(self, new: Sequence[Fact], gone: Sequence[Mapping[str, Any]]) -> None:
        tally = Tally.of(self.metrics, "coaching")
        for f in gone:
            tally.add(f["person_id"], f["at"], f["type"], f["attributes"], f["amount"], -1.0)
        for f in new:
            tally.add(f["person_id"], f["at"], f["type"], f["attributes"], f["amount"])
        await self.daily.apply(tally.rows())


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return bool(a["person_id"] == b["person_id"] and a["at"] == b["at"] and a["attributes"] == b["attributes"]
                and a["amount"] == b["amount"])
