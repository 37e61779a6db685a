"""Calendar periods and judging a figure against a target (services/metrics/periods.py)."""

from datetime import date

import pytest

from services.metrics.periods import Period, PeriodOutOfRange, judge, period_of, scaled_target, trend


@pytest.mark.parametrize(("day", "kind", "start", "end"), [
    (date(2026, 11, 29), "week", date(2026, 11, 23), date(2026, 11, 29)),  # a Sunday ends its ISO week
    (date(2026, 11, 30), "week", date(2026, 11, 30), date(2026, 12, 6)),
    (date(2026, 12, 31), "week", date(2026, 12, 28), date(2027, 1, 3)),  # across the year
    (date(2028, 2, 10), "month", date(2028, 2, 1), date(2028, 2, 29)),  # leap February
    (date(2026, 12, 5), "month", date(2026, 12, 1), date(2026, 12, 31)),
    (date(2026, 11, 29), "quarter", date(2026, 10, 1), date(2026, 12, 31)),
    (date(2026, 1, 1), "quarter", date(2026, 1, 1), date(2026, 3, 31)),
])
def test_period_of(day, kind, start, end):
    assert period_of(day, kind) == Period(kind, start, end)


def test_previous_days_and_elapsed():
    q = period_of(date(2026, 5, 17), "quarter")
    assert (q.start, q.end, q.days) == (date(2026, 4, 1), date(2026, 6, 30), 91)
    assert q.previous() == Period("quarter", date(2026, 1, 1), date(2026, 3, 31))
    week = period_of(date(2026, 11, 25), "week")
    assert [week.elapsed(date(2026, 11, d)) for d in (20, 23, 25, 29, 30)] == [0, 1, 3, 7, 7]


def test_scaled_target_and_judging():
    assert scaled_target(3, "week", 7) == 3
    assert scaled_target(3, "week", 30) == pytest.approx(90 / 7)
    assert scaled_target(12, "month", 7) == pytest.approx(12 * 7 * 12 / 365.25)
    assert [judge(a, 10, "gte") for a in (10, 12, 8, 7.99, None)] == [
        "on_track", "on_track", "at_risk", "off_track", "no_data"]
    assert [judge(a, 10, "lte") for a in (10, 3, 12, 12.01)] == ["on_track", "on_track", "at_risk", "off_track"]
    assert [trend(2, 1), trend(1, 2), trend(1, 1), trend(None, 1)] == ["up", "down", "flat", "no_data"]


def test_rolling_periods_end_on_the_day_and_follow_an_equal_window():
    p = period_of(date(2026, 12, 1), "last_28_days")  # the 1st of a month: still 28 days
    assert (p.start, p.end, p.days) == (date(2026, 11, 4), date(2026, 12, 1), 28)
    assert p.previous() == Period("last_28_days", date(2026, 10, 7), date(2026, 11, 3))
    assert period_of(date(2026, 3, 1), "last_7_days") == Period("last_7_days", date(2026, 2, 23), date(2026, 3, 1))
    assert period_of(date(2026, 12, 1), "last_90_days").days == 90
    assert p.elapsed(date(2026, 11, 10)) == 7


def test_periods_outside_the_calendar_are_refused_plainly():
    for day, kind in ((date(1, 1, 10), "last_28_days"), (date(9999, 12, 31), "month"),
                      (date(9999, 12, 31), "quarter")):
        with pytest.raises(PeriodOutOfRange):
            period_of(day, kind)  # type: ignore[arg-type]
    with pytest.raises(PeriodOutOfRange):
        period_of(date(1, 1, 3), "week").previous()
