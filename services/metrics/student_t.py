"""Student's t distribution: the CDF and its quantile for any real degrees of freedom df ≥ 0.5, in pure Python.

Python's `statistics` has NormalDist but no t; the project has no scipy (adding it for one quantile would add a
large compiled dependency to a hash-locked install). The method is textbook:

- CDF: ``F(t) = 1 - I_x(df/2, 1/2) / 2`` for t ≥ 0 with ``x = df / (df + t²)``, where ``I`` is the regularized
  incomplete beta function evaluated by its continued fraction (modified Lentz; Press et al., *Numerical
  Recipes*, 3rd ed., §6.4), symmetric for t < 0.
- Quantile: Newton's method on the CDF, started from the Cornish-Fisher expansion of t in the normal quantile
  (Abramowitz & Stegun 26.7.5) and kept inside a bisection bracket, to a relative error below 1e-12.

tests/metrics/test_student_t.py checks both against tabulated values (including df = 1, where t is Cauchy).
"""

import math
from statistics import NormalDist

_EPS = 1e-15
_TINY = 1e-300


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b) for 0 ≤ x ≤ 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T ≤ t) for Student's t with ``df`` degrees of freedom."""
    tail = 0.5 * _incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def _t_pdf(t: float, df: float) -> float:
    log_c = math.lgamma((df + 1.0) / 2.0) - math.lgamma(df / 2.0) - 0.5 * math.log(df * math.pi)
    return math.exp(log_c - (df + 1.0) / 2.0 * math.log1p(t * t / df))


def t_quantile(p: float, df: float) -> float:
    """The p-quantile of Student's t with ``df`` (≥ 0.5, real) degrees of freedom, 0 < p < 1."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must lie strictly between 0 and 1, not {p!r}")
    if not df >= 0.5:  # also rejects NaN
        raise ValueError(f"df must be at least 0.5, not {df!r}")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    if p == 0.5:
        return 0.0
    z = NormalDist().inv_cdf(p)
    if math.isinf(df) or df > 1e7:
        return z
    z2 = z * z
    g1 = (z2 + 1.0) * z / 4.0
    g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0
    g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0
    g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0
    guess = z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4
    low, high = z, max(guess, z) * 2.0 + 1.0  # the t quantile lies above the normal one
    while t_cdf(high, df) < p:
        low, high = high, high * 2.0
    t = guess if low < guess < high else (low + high) / 2.0
    for _ in range(100):
        error = t_cdf(t, df) - p
        if error > 0:
            high = t
        else:
            low = t
        step = error / _t_pdf(t, df)
        candidate = t - step
        if not low < candidate < high:
            candidate = (low + high) / 2.0
        if abs(candidate - t) <= 1e-12 * max(1.0, abs(t)):
            return candidate
        t = candidate
    return t
