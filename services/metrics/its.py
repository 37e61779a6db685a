"""Interrupted time series: the impact of a date that treated everybody (a company-wide kickoff), where no
comparison group exists. Pure statistics: no database, no I/O (impact_service.py gathers the series; the method
in words: docs/impact.md, "When everybody was treated").

The series
----------
One value per day: the metric per person that day (the mean over the people employed on it), from ``start`` on.

The forecast
------------
For a date ``s`` the model is fitted by least squares on the ``training_days`` days before it, ``[s - L, s)``:
an intercept, a linear trend, the day of the week (weekly seasonality) and the week of the quarter (quarterly
seasonality: a quarter-end push). It predicts the ``window`` days from ``s`` on, and the forecast error of that
window is the actual sum minus the predicted one.

The interval (backtests)
------------------------
Days next to each other share their luck (a good month, a slow week: autocorrelation), so the spread of a window's
forecast error cannot be read from day-to-day residuals. It is measured instead: the same forecast is made from
``backtests`` earlier dates ``s - k * window`` (k = 1 … K), whose post windows lie before the date and do not
overlap, and their errors ``e_k`` — what the model missed when nothing happened — give the standard error
``se = sqrt(mean(e_k²))``. The effect is the error at the real date, and the interval is ``effect ± t(K) * se``
(t with K degrees of freedom: a new error against K earlier ones with mean 0). It needs
``training_days + backtests * window`` days of history before the date.

The placebo
-----------
:func:`placebo` makes the same estimate at a fake date ``window`` days before the real one (its backtests one
window earlier still, so it needs one more window of history): its post window ends the day before the real date,
so a true model shows no "effect" there. An interval there that excludes 0 says the model does not hold for this
series, and the real estimate should not be trusted either.

Errors: :class:`SeriesRefused` (a :class:`ValueError` with a machine ``reason``): ``history_too_short``,
``invalid_parameter``, ``non_finite_value``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from services.metrics.student_t import t_quantile

TRAINING_DAYS = 182  # two quarters: every week of the quarter is seen twice
BACKTESTS = 8
_WEEKS_OF_QUARTER = 13  # a 92-day quarter's 14th week (one day) counts as its 13th


class SeriesRefused(ValueError):
    """The series cannot support an estimate; ``reason`` is a stable machine code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class SeriesEstimate:
    """The forecast error of the window from ``day`` on, and its interval, per person over the window."""

    day: date
    effect: float  # actual - predicted
    low: float
    high: float
    actual_pre: float  # the window before the day, as it was
    actual_post: float
    predicted_post: float  # the counterfactual: the post window as the history before the day predicts it
    standard_error: float
    df: float
    backtests: int
    training_days: int
    confidence: float


def history_needed(window: int, *, training_days: int = TRAINING_DAYS, backtests: int = BACKTESTS,
                   with_placebo: bool = True) -> int:
    """Days of history an estimate needs before its date (one window more for the placebo)."""
    return training_days + (backtests + (1 if with_placebo else 0)) * window


def estimate(series: Sequence[float], start: date, day: date, window: int, *, training_days: int = TRAINING_DAYS,
             backtests: int = BACKTESTS, confidence: float = 0.95) -> SeriesEstimate:
    """The interrupted-time-series estimate at ``day`` (module docstring); ``series[i]`` is the value on
    ``start + i`` and must reach ``day + window - 1``."""
    return _Forecasts(series, start, window, training_days).estimate(day, backtests, confidence)


def placebo(series: Sequence[float], start: date, day: date, window: int, *, training_days: int = TRAINING_DAYS,
            backtests: int = BACKTESTS, confidence: float = 0.95) -> SeriesEstimate:
    """The same estimate at the fake date ``day - window`` (its post window ends the day before ``day``)."""
    return estimate(series, start, day - timedelta(days=window), window, training_days=training_days,
                    backtests=backtests, confidence=confidence)


def with_placebo(series: Sequence[float], start: date, day: date, window: int, *,
                 training_days: int = TRAINING_DAYS, backtests: int = BACKTESTS,
                 confidence: float = 0.95) -> tuple[SeriesEstimate, SeriesEstimate]:
    """:func:`estimate` and :func:`placebo` together, sharing the forecasts they both make."""
    forecasts = _Forecasts(series, start, window, training_days)
    return (forecasts.estimate(day, backtests, confidence),
            forecasts.estimate(day - timedelta(days=window), backtests, confidence))


class _Forecasts:
    """Forecast errors of one series, each window's made once: a day's regressors do not depend on the date the
    forecast is made from (the trend counts days from the series' start; the intercept absorbs the shift)."""

    def __init__(self, series: Sequence[float], start: date, window: int, training_days: int) -> None:
        self.series, self.start, self.window, self.training_days = series, start, window, training_days
        self.features = [_features(start + timedelta(days=i), start, training_days) for i in range(len(series))]
        self.errors: dict[int, tuple[float, float]] = {}

    def estimate(self, day: date, backtests: int, confidence: float) -> SeriesEstimate:
        series, window = self.series, self.window
        _check(series, self.start, day, window, self.training_days, backtests, confidence)
        at = (day - self.start).days
        errors = [self.error(at - k * window)[0] for k in range(1, backtests + 1)]
        effect, predicted = self.error(at)
        se = math.sqrt(math.fsum(e * e for e in errors) / backtests)
        half = t_quantile((1.0 + confidence) / 2.0, float(backtests)) * se
        return SeriesEstimate(
            day=day, effect=effect, low=effect - half, high=effect + half,
            actual_pre=math.fsum(series[at - window:at]), actual_post=math.fsum(series[at:at + window]),
            predicted_post=predicted, standard_error=se, df=float(backtests), backtests=backtests,
            training_days=self.training_days, confidence=confidence)

    def error(self, at: int) -> tuple[float, float]:
        """(actual - predicted, predicted) for the window ``series[at:at + window]`` from a fit on the days
        before."""
        if at not in self.errors:
            xtx = [[0.0] * _COLUMNS for _ in range(_COLUMNS)]
            xty = [0.0] * _COLUMNS
            for i in range(at - self.training_days, at):
                x, y = self.features[i], self.series[i]
                for a, va in x:
                    xty[a] += va * y
                    row = xtx[a]
                    for b, vb in x:
                        row[b] += va * vb
            beta = _solve(xtx, xty)
            predicted = math.fsum(beta[c] * v for i in range(at, at + self.window) for c, v in self.features[i])
            self.errors[at] = (math.fsum(self.series[at:at + self.window]) - predicted, predicted)
        return self.errors[at]


def _check(series: Sequence[float], start: date, day: date, window: int, training_days: int, backtests: int,
           confidence: float) -> None:
    if not (0.5 < confidence < 0.999) or window < 1 or backtests < 2 or training_days < 4 * 7:
        raise SeriesRefused("invalid_parameter", f"invalid parameters: window {window}, training_days "
                                                 f"{training_days}, backtests {backtests}, confidence {confidence}")
    at = (day - start).days
    need = history_needed(window, training_days=training_days, backtests=backtests, with_placebo=False)
    if at < need:
        raise SeriesRefused("history_too_short", f"an estimate without a comparison group needs {need} days of "
                                                 f"history before {day}; the data starts {start}")
    if at + window > len(series):
        raise SeriesRefused("history_too_short", f"the series ends before the post window after {day} does")
    if not all(math.isfinite(v) for v in series[at - need:at + window]):
        raise SeriesRefused("non_finite_value", "the series holds a non-finite value")


def _features(d: date, start: date, training_days: int) -> list[tuple[int, float]]:
    """The day's regressors as (column, value), columns: 0 intercept, 1 trend, 2-7 Tuesday…Sunday, 8-19 week 2…13
    of the quarter (Monday and the first week are the baseline)."""
    out = [(0, 1.0), (1, (d - start).days / training_days)]
    if d.weekday():
        out.append((1 + d.weekday(), 1.0))
    quarter_start = date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    week = min((d - quarter_start).days // 7, _WEEKS_OF_QUARTER - 1)
    if week:
        out.append((7 + week, 1.0))
    return out


_COLUMNS = 8 + _WEEKS_OF_QUARTER - 1


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Least-squares coefficients from the normal equations by Gaussian elimination with partial pivoting; a
    column the training days never hold (a week of the quarter not seen) gets 0."""
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    scale = max((abs(m[i][i]) for i in range(n)), default=1.0) or 1.0
    pivots: list[int] = []
    r = 0
    for c in range(n):
        p = max(range(r, n), key=lambda i: abs(m[i][c]), default=None)
        if p is None or abs(m[p][c]) <= 1e-10 * scale:
            continue
        m[r], m[p] = m[p], m[r]
        row_r = m[r]
        for i in range(r + 1, n):
            if m[i][c] != 0.0:
                f = m[i][c] / row_r[c]
                row_i = m[i]
                for j in range(c, n + 1):
                    row_i[j] -= f * row_r[j]
        pivots.append(c)
        r += 1
    beta = [0.0] * n
    for i in range(len(pivots) - 1, -1, -1):
        c = pivots[i]
        beta[c] = (m[i][n] - math.fsum(m[i][j] * beta[j] for j in pivots[i + 1:])) / m[i][c]
    return beta
