"""Programme health: sessions held against the cadence, per pair and overall, and the fizzling flag.

For a window [from, to] (days, both inclusive; default: the programme's start to today):
- per pair, `days_in_window` = days of the window on which the pair was in the programme
  (from max(joined_on, starts_on) to min(left_on - 1, ends_on));
  `sessions_expected` = floor(days_in_window / cadence_days);
  `sessions_held` = completed sessions of that coach and seller whose `programme_id` is this programme,
  held (UTC day of `held_at`) within the window on a day the pair was in the programme. Sessions without
  a programme_id do not count: a programme is kept by the conversations held in its name;
  `ratio_kept` = sessions_held / sessions_expected (null when nothing was expected);
- overall: the sums of the pairs' sessions_held and sessions_expected, and their ratio.

Fizzling looks at the 28 days ending at `to`, [to - 27, to], whatever `from` is:
- a pair is judged when it was in the programme on every one of those days (a pair that joined or left
  within them is too new, or gone, to judge — its `fizzling` is null);
- `planned_last_28_days` = 28 / cadence_days per judged pair;
- a pair fizzles when `held_last_28_days` < 0.5 x 28 / cadence_days;
- the programme fizzles when the judged pairs' `held_last_28_days` summed
  < 0.5 x 28 / cadence_days x `pairs_judged_last_28_days` (never when no pair is judged).
"""

import uuid
from collections.abc import Sequence
from datetime import date

from common.db import utcnow
from common.errors import InvalidInput, NotFound
from services.coaching.models import Programme, ProgrammePair
from services.coaching.relationships import cadence
from services.coaching.relationships.repository import Repository
from services.coaching.relationships.schemas import PairHealth, ProgrammeHealth
from services.coaching.visibility import Visibility

MAX_WINDOW_DAYS = 3660


class HealthService:
    def __init__(self, repo: Repository, vis: Visibility) -> None:
        self.repo = repo
        self.vis = vis

    async def health_of(self, programme_ids: Sequence[uuid.UUID], from_: date | None,
                        to: date | None) -> list[ProgrammeHealth]:
        """Several programmes in a constant number of queries; unknown ones and those the caller may not
        see are left out."""
        hi = to or utcnow().date()
        wanted = list(dict.fromkeys(programme_ids))
        found = await self.repo.programmes(ids=wanted, owner_id=None, coach_id=None, seller_id=None,
                                           active_on=None, after=None, limit=len(wanted))
        found.sort(key=lambda p: wanted.index(p.id))  # in the order asked
        pairs = await self._pairs_by_programme([p.id for p in found])
        visible = [p for p in found if await self.vis.sees_health(p, pairs[p.id])]
        for p in visible:
            _window(_start(p, from_, hi), hi)
        held = await self.repo.held_by_pair([p.id for p in visible], (from_, hi), cadence.fizzle_window(hi))
        return [health_figures(p, pairs[p.id], held, _start(p, from_, hi), hi) for p in visible]

    async def health(self, programme_id: uuid.UUID, from_: date | None, to: date | None) -> ProgrammeHealth:
        p = await self.repo.programme(programme_id)
        if p is None:
            raise NotFound(f"Programme {programme_id} does not exist.")
        pairs = await self.repo.pairs([p.id])
        await self.vis.check_health(p, pairs)
        hi = to or utcnow().date()
        lo = _start(p, from_, hi)
        _window(lo, hi)
        held = await self.repo.held_by_pair([p.id], (lo, hi), cadence.fizzle_window(hi))
        return health_figures(p, pairs, held, lo, hi)

    async def _pairs_by_programme(self, programme_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ProgrammePair]]:
        out: dict[uuid.UUID, list[ProgrammePair]] = {pid: [] for pid in programme_ids}
        for pair in await self.repo.pairs(programme_ids):
            out[pair.programme_id].append(pair)
        return out


def _start(p: Programme, from_: date | None, hi: date) -> date:
    """The window's first day: `from`, else the programme's start (or `to`, for one that starts later)."""
    return from_ if from_ is not None else min(p.starts_on, hi)


def _window(lo: date, hi: date) -> None:
    if hi < lo:
        raise InvalidInput("The window ends before it starts.", errors=[
            {"field": "query.to", "message": f"to ({hi}) is before from ({lo})", "code": "value_error"}])
    if (hi - lo).days >= MAX_WINDOW_DAYS:
        raise InvalidInput("The window is too long.", errors=[
            {"field": "query.from", "message": f"at most {MAX_WINDOW_DAYS} days", "code": "value_error"}])


def health_figures(p: Programme, pairs: Sequence[ProgrammePair], held: dict[uuid.UUID, tuple[int, int]], lo: date,
                   hi: date) -> ProgrammeHealth:
    """A programme's health over [lo, hi] from its pairs and their held sessions (`Repository.held_by_pair`)."""
    recent_lo, recent_hi = cadence.fizzle_window(hi)
    rows: list[PairHealth] = []
    judged = held_recent_judged = 0
    for pair in pairs:
        member = cadence.membership(pair.joined_on, pair.left_on, p.starts_on, p.ends_on)
        days = member.days_within(lo, hi)
        expected = cadence.expected_sessions(days, p.cadence_days)
        in_window, in_recent = held.get(pair.id, (0, 0))
        is_judged = member.covers(recent_lo, recent_hi)
        planned = cadence.planned_last_28(p.cadence_days) if is_judged else None
        if is_judged:
            judged += 1
            held_recent_judged += in_recent
        rows.append(PairHealth(
            pair_id=pair.id, coach_id=pair.coach_id, seller_id=pair.seller_id, joined_on=pair.joined_on,
            left_on=pair.left_on, days_in_window=days, sessions_held=in_window, sessions_expected=expected,
            ratio_kept=cadence.ratio(in_window, expected), in_all_last_28_days=is_judged,
            held_last_28_days=in_recent, planned_last_28_days=planned,
            fizzling=cadence.fizzling(in_recent, planned) if planned is not None else None))

    total_held = sum(r.sessions_held for r in rows)
    total_expected = sum(r.sessions_expected for r in rows)
    planned_all = cadence.planned_last_28(p.cadence_days, judged)
    return ProgrammeHealth(
        programme_id=p.id, from_=lo, to=hi, cadence_days=p.cadence_days, sessions_held=total_held,
        sessions_expected=total_expected, ratio_kept=cadence.ratio(total_held, total_expected),
        last_28_days_from=recent_lo, last_28_days_to=recent_hi, pairs_judged_last_28_days=judged,
        held_last_28_days=held_recent_judged, planned_last_28_days=planned_all,
        fizzling=cadence.fizzling(held_recent_judged, planned_all), formula=cadence.HEALTH_FORMULA,
        pairs=rows)
