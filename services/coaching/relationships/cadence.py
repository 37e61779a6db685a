"""Cadence arithmetic shared by programme health and the activity report. Pure functions on dates.

A pair is in its programme on the days d with
    max(joined_on, programme.starts_on) <= d <= min(left_on - 1, programme.ends_on)
(`left_on` is exclusive, the programme's `ends_on` inclusive; either open when null).
Sessions expected over a window = floor(days the pair was in the programme within the window / cadence_days).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

FIZZLE_DAYS = 28
FIZZLE_SHARE = 0.5

HEALTH_FORMULA = (
    "Per pair: days_in_window = days of [from, to] on which the pair was in the programme "
    "(from max(joined_on, programme starts_on) to min(left_on - 1, programme ends_on)); "
    "sessions_expected = floor(days_in_window / cadence_days); sessions_held = completed sessions of that "
    "coach and seller whose programme_id is this programme, held (UTC day of held_at) within [from, to] "
    "on a day the pair was in the programme (sessions without programme_id never count); "
    "ratio_kept = sessions_held / sessions_expected (null when 0 expected). Overall: the sums over pairs. "
    "Fizzling looks at the 28 days [to - 27, to]: a pair is judged when it was in the programme on all of them; "
    "planned_last_28_days = 28 / cadence_days per judged pair; a pair fizzles when held_last_28_days < "
    "0.5 * planned_last_28_days, the programme when the judged pairs' held_last_28_days < "
    "0.5 * 28 / cadence_days * pairs_judged_last_28_days (never with no judged pair)."
)


@dataclass(frozen=True)
class Membership:
    first: date  # first day in the programme
    last: date | None  # last day in the programme (inclusive); open when null

    def days_within(self, lo: date, hi: date) -> int:
        """How many days of [lo, hi] (both inclusive) fall inside the membership."""
        start = max(self.first, lo)
        end = hi if self.last is None else min(self.last, hi)
        return max(0, (end - start).days + 1)

    def covers(self, lo: date, hi: date) -> bool:
        return self.first <= lo and (self.last is None or self.last >= hi)


def membership(joined_on: date, left_on: date | None, starts_on: date, ends_on: date | None) -> Membership:
    lasts = [d for d in (left_on - timedelta(days=1) if left_on else None, ends_on) if d is not None]
    return Membership(max(joined_on, starts_on), min(lasts) if lasts else None)


def expected_sessions(days: int, cadence_days: int) -> int:
    return days // cadence_days


def ratio(held: int, expected: int) -> float | None:
    return round(held / expected, 4) if expected else None


def fizzle_window(to: date) -> tuple[date, date]:
    return to - timedelta(days=FIZZLE_DAYS - 1), to


def planned_last_28(cadence_days: int, pairs: int = 1) -> float:
    return FIZZLE_DAYS / cadence_days * pairs


def fizzling(held: int, planned: float) -> bool:
    return planned > 0 and held < FIZZLE_SHARE * planned


def day_start(d: date) -> datetime:
    """00:00 UTC of a day: windows of days become [day_start(from), day_start(to + 1)) on timestamps."""
    return datetime.combine(d, time.min, tzinfo=UTC)


def day_after(d: date) -> datetime:
    return day_start(d + timedelta(days=1))
