"""Student's t quantile and CDF (services/metrics/student_t.py) against tabulated values."""

import math

import pytest

from services.metrics.student_t import t_cdf, t_quantile

# Two-sided 95% and 99% critical values, and one 90% one-sided, from standard tables (e.g. NIST/SEMATECH
# e-Handbook of Statistical Methods, table 1.3.6.7.2).
TABLE = [(0.975, 1, 12.706), (0.975, 2, 4.303), (0.975, 3, 3.182), (0.975, 4, 2.776), (0.975, 5, 2.571),
         (0.975, 8, 2.306), (0.975, 10, 2.228), (0.975, 20, 2.086), (0.975, 30, 2.042), (0.975, 100, 1.984),
         (0.995, 1, 63.657), (0.995, 4, 4.604), (0.995, 10, 3.169), (0.995, 60, 2.660), (0.90, 7, 1.415),
         (0.95, 15, 1.753)]


@pytest.mark.parametrize(("p", "df", "expected"), TABLE)
def test_quantiles_match_the_table(p: float, df: int, expected: float) -> None:
    assert t_quantile(p, df) == pytest.approx(expected, abs=5e-4)
    assert t_quantile(1 - p, df) == pytest.approx(-expected, abs=5e-4)


def test_one_degree_of_freedom_is_cauchy_and_many_are_normal() -> None:
    for p in (0.6, 0.9, 0.975, 0.999):
        assert t_quantile(p, 1) == pytest.approx(math.tan(math.pi * (p - 0.5)), rel=1e-9)
    assert t_quantile(0.975, 1e8) == pytest.approx(1.959964, abs=1e-5)


def test_real_degrees_of_freedom_fall_between_their_neighbours_and_invert_the_cdf() -> None:
    for df in (0.5, 1.7, 2.5, 7.3, 41.9):
        q = t_quantile(0.975, df)
        assert t_cdf(q, df) == pytest.approx(0.975, abs=1e-10)
        assert t_quantile(0.975, math.ceil(df)) < q < t_quantile(0.975, math.floor(df) or 0.5) or df == 0.5
    assert t_quantile(0.5, 3) == 0.0


@pytest.mark.parametrize(("p", "df"), [(0.0, 3), (1.0, 3), (0.5, 0.2), (0.9, math.nan)])
def test_out_of_range_arguments_are_rejected(p: float, df: float) -> None:
    with pytest.raises(ValueError):
        t_quantile(p, df)
