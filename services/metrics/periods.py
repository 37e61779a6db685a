"""Periods of scorecards and adoption (UTC days, both ends inclusive), and how a figure is judged against an
indicator's target within one.

- Calendar periods: a week starts on Monday (ISO 8601); a month and a quarter are the calendar ones.
- Rolling periods: `last_7_days`, `last_28_days`, `last_90_days` end on the day asked (default today) and
  hold that many days; the previous period is the equal window just before. On the 1st of a month a
  calendar month has one day of figures, the last 28 days always have 28.
- An **activity** target is per the indicator's own period (e.g. 3 meetings a week). Over another period it
  is taken pro rata by days: over a 30-day month a weekly target of 3 becomes 3 x 30 / 7. A period still
  running is judged on its elapsed days only (a Wednesday is not behind for lacking Friday's meetings).
- A **proficiency** target (a ratio or an average) needs no scaling.
- Status, for `gte`: on_track when actual >= target; at_risk when actual >= 80% of it; else off_track.
  For `lte` (lower is better): on_track when actual <= target; at_risk when actual <= 120% of it; else
  off_track. No actual (a ratio with nothing to divide by) → no_data.
- Trend compares the period with the one before, as a rate per day for activity metrics (so a running
  period compares fairly with a finished one) and as the value itself for proficiency metrics.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

PeriodKind = Literal["week", "month", "quarter"]  # calendar: an indicator's target is per one of these
# what a scorecard or adoption is measured over: a calendar period, or the last N days
ScorecardPeriod = Literal["week", "month", "quarter", "last_7_days", "last_28_days", "last_90_days"]
ROLLING_DAYS: dict[str, int] = {"last_7_days": 7, "last_28_days": 28, "last_90_days": 90}
Status = Literal["on_track", "at_risk", "off_track", "no_data"]
Trend = Literal["up", "down", "flat", "no_data"]
AT_RISK_SHARE = 0.8  # gte: at risk down to 80% of the target
LTE_AT_RISK = 1.2  # lte: at risk up to 120% of the target
NOMINAL_DAYS: dict[str, float] = {"week": 7.0, "month": 365.25 / 12, "quarter": 365.25 / 4}


@dataclass(frozen=True)
class Period:
    kind: ScorecardPeriod
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def elapsed(self, today: date) -> int:
        """Days of the period up to and including `today` (all of them once it is over)."""
        if today >= self.end:
            return self.days
        return max(0, (today - self.start).days + 1)

    def previous(self) -> "Period":
        """The period before: the calendar one, or the equal window just before a rolling one."""
        if self.start == date.min:
            raise PeriodOutOfRange(f"There is no period before {self.start}.")
        return period_of(self.start - timedelta(days=1), self.kind)


class PeriodOutOfRange(ValueError):
    """The period (or the one before it) would leave the calendar's years 1-9999."""


def period_of(day: date, kind: ScorecardPeriod) -> Period:
    """The period of that kind holding `day` (a rolling one ends on it)."""
    try:
        return _period_of(day, kind)
    except (OverflowError, ValueError) as err:
        raise PeriodOutOfRange(f"The {kind} period of {day} is outside the years 1-9999.") from err


def _period_of(day: date, kind: ScorecardPeriod) -> Period:
    if kind in ROLLING_DAYS:
        return Period(kind, day - timedelta(days=ROLLING_DAYS[kind] - 1), day)
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return Period(kind, start, start + timedelta(days=6))
    first_month = day.month if kind == "month" else 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    months = 1 if kind == "month" else 3
    year, month = divmod(first_month - 1 + months, 12)
    return Period(kind, start, date(day.year + year, month + 1, 1) - timedelta(days=1))


def scaled_target(target: float, indicator_period: PeriodKind, days: int) -> float:
    """An activity target per `indicator_period`, pro rata over `days` days."""
    return target * days / NOMINAL_DAYS[indicator_period]


def judge(actual: float | None, target: float, comparator: str) -> Status:
    if actual is None:
        return "no_data"
    if comparator == "lte":
        if actual <= target:
            return "on_track"
        return "at_risk" if actual <= LTE_AT_RISK * target else "off_track"
    if actual >= target:
        return "on_track"
    return "at_risk" if actual >= AT_RISK_SHARE * target else "off_track"


def trend(current: float | None, previous: float | None, tolerance: float = 1e-9) -> Trend:
    if current is None or previous is None:
        return "no_data"
    if abs(current - previous) <= tolerance * max(1.0, abs(previous)):
        return "flat"
    return "up" if current > previous else "down"
